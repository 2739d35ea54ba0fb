// Argument checks shared across layers: each failure names the argument and the value.

/** Returns `value` when it is an integer in [min, max]; else throws "<name> must be an integer ...". */
export function checkInt(value: number, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new Error(`${name} must be an integer ${range}, got ${value}`);
  }
  return value;
}
