// Types of scripts/gen-shaders.mjs, for the tests that import it.
import type { BindingInfo, ParamField, WorkgroupVar } from '../src/shaders/kernel-types.js';

export function compose(dir: string, file: string, stack?: string[], done?: Set<string>): string;
export function reflectKernel(name: string, source: string): {
  name: string;
  entryPoint: string;
  bindings: BindingInfo[];
  params: { binding: number; size: number; fields: ParamField[] } | null;
  overrides: Record<string, number | null>;
  workgroup: WorkgroupVar[];
};
export function generate(dir?: string): string[];
