// After `vite build`: writes a gzip-compressed copy (FILE.gz) next to each
// compressible file of dist/ when it is smaller, and prints the bundle size
// (raw and gzipped) so that every build reports it.  Target: < 200 KB gz.
import { readdirSync, readFileSync, statSync, writeFileSync, unlinkSync } from "node:fs";
import { join, relative } from "node:path";
import { gzipSync, constants } from "node:zlib";

const dist = new URL("../dist/", import.meta.url).pathname;
const compressible = /\.(html|js|css|svg|json|txt|webmanifest)$/;
let raw = 0, gz = 0;
const rows = [];

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) { walk(p); continue; }
    if (name.endsWith(".gz")) { unlinkSync(p); continue; }
    const data = readFileSync(p);
    let z = data.length;
    if (compressible.test(name)) {
      const c = gzipSync(data, { level: constants.Z_BEST_COMPRESSION});
      if (c.length < data.length) { writeFileSync(p + ".gz", c); z = c.length; }
    }
    raw += data.length; gz += z;
    rows.push([relative(dist, p), data.length, z]);
  }
}
walk(dist);
for (const [n, r, z] of rows.sort()) console.log(`  ${n.padEnd(40)} ${String(r).padStart(8)} B  ${String(z).padStart(8)} B gz`);
const kb = (n) => (n / 1024).toFixed(1);
console.log(`web bundle: ${kb(raw)} KiB raw, ${kb(gz)} KiB gzipped (target < 200 KiB gzipped)${gz > 200 * 1024 ? " -- OVER TARGET" : ""}`);
