const t0 = performance.now();
const m = await import(process.argv[2]);
const t1 = performance.now();
if (process.argv[3]) { const s = await import("./dist/engine/sdk.js"); const sdk = await s.loadDaggerSdk(); console.log(sdk.loadedFrom); }
console.log(process.argv[2].slice(-30), (t1 - t0).toFixed(0), "ms", (performance.now()-t1).toFixed(0));
