// Drover's version, as package.json says (the one place it is written); the commands' bundles
// carry it inlined.
import pkg from '../package.json' with { type: 'json' };

export const VERSION: string = pkg.version;
