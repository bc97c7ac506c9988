// `npm run openapi`: regenerates api/openapi.json from the routes' schemas; `-- --check` only
// compares, exiting 1 when the committed file is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { generateOpenApi, openapi_file } from './openapi.js';

const generated = await generateOpenApi();
if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(openapi_file, 'utf8');
  } catch {
    // Missing counts as out of date.
  }
  if (committed !== generated) {
    process.stderr.write(`${openapi_file} is out of date: run npm run openapi and commit the result\n`);
    process.exitCode = 1;
  }
} else {
  writeFileSync(openapi_file, generated);
  process.stdout.write(`wrote ${openapi_file}\n`);
}
