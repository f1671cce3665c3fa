import {build} from 'esbuild';
await build({bundle:true,platform:'node',format:'esm',target:'node20',sourcemap:true,logLevel:'warning',external:['react-devtools-core'],
 banner: {js: "import {createRequire as kubepkiCreateRequire} from 'node:module'; const require = kubepkiCreateRequire(import.meta.url);"},
 define: {'process.env.NODE_ENV': '"production"'}, entryPoints: process.argv.slice(2), outdir: '.scratch/out'});
