// wgsl_reflect's ESM build has no types of its own path; its types live in the package's "types" entry.
declare module 'wgsl_reflect/wgsl_reflect.module.js' {
  export * from 'wgsl_reflect';
}
