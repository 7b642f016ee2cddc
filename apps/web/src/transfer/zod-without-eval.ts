import { z } from 'zod';

/*
 * Imported first by main.ts, so that it runs before any schema of the packages exists. zod
 * decides when a schema is made whether to compile its parser with `new Function`, and probes
 * for that; the page's CSP allows no eval, and the blocked probe is reported as a violation.
 * Without compiling, parsing is a little slower and reports nothing.
 */
z.config({ jitless: true });
