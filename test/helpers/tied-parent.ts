// For processes.test.ts: a parent that starts two long-running children and waits to be killed. The tied one
// (spawnTied) writes to this process's stdout, the loose one (a plain spawn, the control) to its stderr; the
// first line on stdout is their pids, written once the reaper knows the tied one.
import {spawn} from 'node:child_process';
import {reaperInformed, spawnTied} from './processes.js';

const tied = spawnTied('sleep', ['100000'], {stdio: ['ignore', 'inherit', 'ignore']});
const loose = spawn('sleep', ['100000'], {stdio: ['ignore', 'ignore', 'inherit']});
await reaperInformed();
process.stdout.write(`${tied.pid} ${loose.pid}\n`);
setInterval(() => {}, 1 << 30);
