// Argument checks shared across layers: each failure is an InputError that names the argument and the value.
import { InputError } from './errors.js';

/** Returns `value` when it is an integer in [min, max]; else throws "<name> must be an integer ..., got <value>". */
export function checkInt(value: number, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new InputError(`${name} must be an integer ${range}, got ${value}`);
  }
  return value;
}

/** Returns `value` when it is a finite number above `gt` (or at least `min`) and at most `max`; else an InputError. */
export function checkNumber(value: number, name: string, r: { gt?: number; min?: number; max?: number }): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && (r.gt === undefined || value > r.gt)
    && (r.min === undefined || value >= r.min) && (r.max === undefined || value <= r.max);
  if (!ok) {
    const parts = [r.gt !== undefined ? `> ${r.gt}` : '', r.min !== undefined ? `>= ${r.min}` : '', r.max !== undefined ? `<= ${r.max}` : ''].filter(Boolean);
    throw new InputError(`${name} must be a finite number ${parts.join(' and ')}, got ${String(value)}`);
  }
  return value;
}
