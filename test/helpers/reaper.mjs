// The reaper of test/helpers/processes.ts: stdin carries `+PGID` (a group to kill when the parent ends) and
// `-PGID` (that group has ended: forget it). When stdin closes, the parent has ended, however it ended:
// every group still listed is killed with SIGKILL, and the reaper exits.
const groups = new Set();
let pending = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', chunk => {
	pending += chunk;
	const lines = pending.split('\n');
	pending = lines.pop();
	for (const line of lines) {
		const pgid = Number(line.slice(1));
		if (!Number.isInteger(pgid) || pgid <= 1) continue;
		if (line.startsWith('+')) groups.add(pgid);
		else if (line.startsWith('-')) groups.delete(pgid);
	}
});
process.stdin.on('close', () => {
	for (const pgid of groups) {
		try {
			process.kill(-pgid, 'SIGKILL');
		} catch {
			// Already gone.
		}
	}

	process.exit(0);
});
// SIGTERM or SIGHUP aimed at the session is not the parent ending: only the pipe says that.
process.on('SIGHUP', () => {});
