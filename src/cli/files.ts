// The CLI's checks on the files a command names, made before any work: every input is an existing regular file
// (a directory or a FIFO is refused instead of failing late or blocking), the output's folder exists, and the
// output is none of the inputs, compared by device and inode so `a`, `./a`, symbolic and hard links all count as
// the same file. Failures are FileErrors that name the flag and the path (exit code 1).
import { stat, access, constants, realpath } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { BigIntStats } from 'node:fs';
import { FileError, fileError } from '../util/errors.js';

/** A file argument: the flag that named it (without --) and the path. */
export interface FileArg {
  flag: string;
  path: string;
}

function kindOf(st: BigIntStats): string {
  return st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO (named pipe)' : st.isSocket() ? 'a socket'
    : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : 'not a regular file';
}

async function statOf(a: FileArg, action: string): Promise<BigIntStats | null> {
  try {
    return await stat(a.path, { bigint: true });
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT' && action === 'write') return null;
    throw fileError(e, a.path, `${action} --${a.flag}`);
  }
}

/**
 * Checks every input and the output (if any) of a command. Inputs must be regular files. The output, when it
 * exists, must be a regular file that is not one of the inputs; its folder must exist and be writable.
 */
export async function checkFiles(inputs: FileArg[], output?: FileArg): Promise<void> {
  const seen: { arg: FileArg; st: BigIntStats }[] = [];
  for (const a of inputs) {
    const st = (await statOf(a, 'read'))!;
    if (!st.isFile()) {
      throw new FileError(a.path, st.isDirectory() ? 'EISDIR' : 'ENOTREG', `${a.path}: cannot read --${a.flag}: ${kindOf(st)}, not a regular file`);
    }
    seen.push({ arg: a, st });
  }
  if (!output) return;
  const st = await statOf(output, 'write');
  if (st) {
    if (!st.isFile()) {
      throw new FileError(output.path, st.isDirectory() ? 'EISDIR' : 'ENOTREG', `${output.path}: cannot write --${output.flag}: ${kindOf(st)}, not a regular file`);
    }
    const same = seen.find((s) => s.st.dev === st.dev && s.st.ino === st.ino);
    if (same) {
      throw new FileError(output.path, 'ESAMEFILE',
        `${output.path}: --${output.flag} is the same file as --${same.arg.flag} ${same.arg.path}; refusing to overwrite an input (choose another output path)`);
    }
  }
  // the folder the file will be written in (an existing output is followed through symbolic links)
  let dir = dirname(resolve(output.path));
  try {
    if (st) dir = dirname(await realpath(output.path));
    const d = await stat(dir);
    if (!d.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    await access(dir, constants.W_OK);
  } catch (e) {
    throw fileError(e, output.path, `write --${output.flag} in ${dir}`);
  }
}
