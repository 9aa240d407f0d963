// Builds the Teams app package (a zip of manifest.json and its two icons) from manifest.json, filling its ${{NAME}}
// placeholders from the environment, and validates the result against the Teams manifest JSON schema of its
// manifestVersion (from @microsoft/app-manifest, installed by `npm ci` here). Nothing is fetched.
//
//   TEAMS_APP_ID=<guid> BOT_APP_ID=<guid> API_CLIENT_ID=<guid> API_AUDIENCE=api://approvals \
//   APPROVALS_HOST=func-approvals-xyz.azurewebsites.net node teams/package.mjs [--out approvals-teams.zip] [--manifest m.json] [--check]
//
// --check validates only (no zip). Exit code 1 names every problem.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { deflateSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const manifestPath = resolve(option("--manifest", join(here, "manifest.json")));
const out = resolve(option("--out", join(here, "build", "approvals-teams.zip")));

const problems = new Set();
const text = readFileSync(manifestPath, "utf8").replace(/\$\{\{([A-Z_]+)\}\}/g, (_, name) => {
  const value = process.env[name];
  if (!value) {
    problems.add(`${name} is not set (the manifest's \${{${name}}})`);
    return `<${name}>`;
  }
  return JSON.stringify(value).slice(1, -1); // a value cannot break out of its JSON string
});
if (problems.size > 0) fail([...problems]);

const manifest = JSON.parse(text);
const version = manifest.manifestVersion;
const schemaPath = join(here, "node_modules", "@microsoft", "app-manifest", "build", "json-schemas", "teams", `v${version}`, "MicrosoftTeams.schema.json");
const Ajv04 = require("ajv-draft-04");
const addFormats = require("ajv-formats");
const ajv = new Ajv04({ allErrors: true, strict: false });
addFormats(ajv);
let validate;
try {
  validate = ajv.compile(JSON.parse(readFileSync(schemaPath, "utf8")));
} catch (error) {
  fail([`no schema for manifestVersion ${version} (${schemaPath}): run npm ci in teams/ (${error.message})`]);
}
if (!validate(manifest)) {
  fail(validate.errors.map((e) => `${e.instancePath || "/"} ${e.message}${e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : ""}`));
}
console.log(`${manifestPath}: valid against the Teams manifest schema v${version}`);
if (args.includes("--check")) process.exit(0);

const files = [
  ["manifest.json", Buffer.from(JSON.stringify(manifest, null, 2))],
  [manifest.icons.color, png(192, colorIcon)],
  [manifest.icons.outline, png(32, outlineIcon)],
];
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, zip(files));
console.log(`${out}: ${files.map(([name]) => name).join(", ")}`);

function fail(lines) {
  console.error(`${manifestPath}: not a valid Teams app manifest:\n  ${lines.join("\n  ")}`);
  process.exit(1);
}

// The icons, drawn here so the repository holds no binaries: a white check mark on the accent colour (192 × 192), and
// the same mark in white on transparent (32 × 32), as Teams asks.
function onCheck(x, y, size) {
  const u = x / size, v = y / size, w = 0.07;
  const near = (ax, ay, bx, by) => {
    const t = Math.max(0, Math.min(1, ((u - ax) * (bx - ax) + (v - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)));
    return Math.hypot(u - (ax + t * (bx - ax)), v - (ay + t * (by - ay))) < w;
  };
  return near(0.25, 0.52, 0.43, 0.7) || near(0.43, 0.7, 0.76, 0.32);
}
function colorIcon(x, y) { return onCheck(x, y, 192) ? [255, 255, 255, 255] : [0x0f, 0x6c, 0xbd, 255]; }
function outlineIcon(x, y) { return onCheck(x, y, 32) ? [255, 255, 255, 255] : [0, 0, 0, 0]; }

function png(size, pixel) {
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // no filter
    for (let x = 0; x < size; x++) raw.set(pixel(x, y), y * (size * 4 + 1) + 1 + x * 4);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", header), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}
function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
function crc32(buffer) {
  let crc = ~0;
  for (const byte of buffer) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

// A zip with stored (uncompressed) entries: all a Teams package needs.
function zip(entries) {
  const locals = [], centrals = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const fileName = Buffer.from(name, "utf8");
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18); local.writeUInt32LE(data.length, 22); local.writeUInt16LE(fileName.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6); central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20); central.writeUInt32LE(data.length, 24); central.writeUInt16LE(fileName.length, 28); central.writeUInt32LE(offset, 42);
    locals.push(local, fileName, data);
    centrals.push(central, fileName);
    offset += local.length + fileName.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(entries.length, 8); end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
