// The Handlebars templates in templates/, ready to render.
//
// `npm run build` precompiles them into dist/templates.precompiled.cjs
// (node dist/src/render/templates.js), and a render loads that with the
// Handlebars runtime alone: compiling the templates at run time (the
// parser, the code generator and source-map) costs about 40 ms of every
// uncached `guru build`, which bench/build.ts measures against a bare
// kbuild. The precompiled file carries a fingerprint of the template
// sources and is used only while it matches them; after an edit to
// templates/ (or before any build) they are compiled here instead, with the
// same options, so the output is the same either way (test/render checks).
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type HandlebarsNamespace from 'handlebars';
import { projectRoot } from '../projectRoot.js';
import { cComment, cString } from './emitC.js';

type Render = (view: object) => string;

export interface Templates {
  module: Render;
  kbuild: Render;
}

interface TemplateSources {
  fingerprint: string;
  module: string;
  kbuild: string;
  partials: Record<string, string>;
}

/** Handlebars' precompiled form: JavaScript source of each template spec. */
interface PrecompiledFile {
  fingerprint: string;
  module: TemplateSpecification;
  kbuild: TemplateSpecification;
  partials: Record<string, TemplateSpecification>;
}

/** Compile options: C is not HTML (no escaping), and a missing field is an error, not an empty string. */
const OPTIONS = { noEscape: true, strict: true } as const;

const require = createRequire(import.meta.url);

export function precompiledTemplatesFile(): string {
  return path.join(projectRoot(), 'dist', 'templates.precompiled.cjs');
}

function readTemplateSources(): TemplateSources {
  const dir = path.join(projectRoot(), 'templates');
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  const partials: Record<string, string> = {};
  for (const f of fs.readdirSync(path.join(dir, 'partials')).sort()) partials[f.replace(/\.hbs$/, '')] = read(path.join('partials', f));
  const module = read('module.c.hbs');
  const kbuild = read('Kbuild.hbs');
  const h = crypto.createHash('sha256').update(JSON.stringify(OPTIONS)).update(module).update('\0').update(kbuild);
  for (const [name, text] of Object.entries(partials)) h.update(`\0${name}\0${text}`);
  return { fingerprint: h.digest('hex'), module, kbuild, partials };
}

function registerHelpers(hb: typeof HandlebarsNamespace): void {
  hb.registerHelper('comment', (s: unknown) => cComment(String(s ?? '')));
  hb.registerHelper('cstring', (s: unknown) => cString(String(s ?? '')));
  hb.registerHelper('hex', (n: unknown) => '0x' + Number(n ?? 0).toString(16));
}

function loadPrecompiled(fingerprint: string): Templates | undefined {
  const file = precompiledTemplatesFile();
  if (!fs.existsSync(file)) return undefined;
  const pre = require(file) as PrecompiledFile;
  if (pre.fingerprint !== fingerprint) return undefined;
  const hb = (require('handlebars/runtime') as typeof HandlebarsNamespace).create();
  registerHelpers(hb);
  for (const [name, spec] of Object.entries(pre.partials)) hb.registerPartial(name, hb.template(spec));
  return { module: hb.template(pre.module), kbuild: hb.template(pre.kbuild) };
}

function compile(sources: TemplateSources): Templates {
  const hb = (require('handlebars') as typeof HandlebarsNamespace).create();
  registerHelpers(hb);
  for (const [name, text] of Object.entries(sources.partials)) hb.registerPartial(name, hb.compile(text, OPTIONS));
  return { module: hb.compile(sources.module, OPTIONS), kbuild: hb.compile(sources.kbuild, OPTIONS) };
}

let loaded: Templates | undefined;

/**
 * The templates: precompiled when dist/ has them for these sources, else
 * compiled now. Tests ask for one form: 'precompiled' fails when dist/
 * has none for the current sources.
 */
export function templates(form?: 'precompiled' | 'compiled'): Templates {
  if (form === undefined && loaded) return loaded;
  const sources = readTemplateSources();
  if (form === 'compiled') return compile(sources);
  const pre = loadPrecompiled(sources.fingerprint);
  if (form === 'precompiled') {
    if (!pre) throw new Error(`${precompiledTemplatesFile()} is missing or older than templates/; fix: npm run build`);
    return pre;
  }
  loaded = pre ?? compile(sources);
  return loaded;
}

/** Write dist/templates.precompiled.cjs for the current template sources. */
export function writePrecompiledTemplates(): string {
  const hb = require('handlebars') as typeof HandlebarsNamespace;
  const sources = readTemplateSources();
  const spec = (text: string) => hb.precompile(text, OPTIONS) as string;
  const partials = Object.entries(sources.partials).map(([name, text]) => `    ${JSON.stringify(name)}: ${spec(text)},`);
  const text = [
    '// Generated by `npm run build` from templates/ (src/render/templates.ts); do not edit.',
    'module.exports = {',
    `  fingerprint: ${JSON.stringify(sources.fingerprint)},`,
    `  module: ${spec(sources.module)},`,
    `  kbuild: ${spec(sources.kbuild)},`,
    '  partials: {',
    ...partials,
    '  },',
    '};',
    '',
  ].join('\n');
  const file = precompiledTemplatesFile();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
  return file;
}

// `node dist/src/render/templates.js` (part of `npm run build`) writes the file.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.stdout.write(`precompiled templates: ${path.relative(process.cwd(), writePrecompiledTemplates())}\n`);
}
