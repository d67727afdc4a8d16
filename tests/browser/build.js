// Bundles phone.js with JsSIP into build/phone.js for the test page. Writes
// a temporary file and renames it, so parallel test runs never load half a
// bundle.
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');

const out = path.join(__dirname, 'build', 'phone.js');
const tmp = out + '.' + process.pid + '.tmp';
fs.mkdirSync(path.dirname(out), { recursive: true });
esbuild.build({
  entryPoints: [path.join(__dirname, 'phone.js')], bundle: true, format: 'iife',
  platform: 'browser', target: 'chrome120', outfile: tmp, logLevel: 'warning',
}).then(() => {
  fs.renameSync(tmp, out);
}).catch((e) => {
  try { fs.unlinkSync(tmp); } catch (_) { /* never written */ }
  console.error(e.message);
  process.exit(1);
});
