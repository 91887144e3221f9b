// Node runs WebAssembly, but lib ES2023 without DOM does not declare it; PGlite's types name Module.
declare namespace WebAssembly {
  interface Module {
    readonly __brand?: 'WebAssembly.Module';
  }
  function compile(bytes: ArrayBufferView | ArrayBuffer): Promise<Module>;
}
