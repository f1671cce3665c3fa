// The built CLI in a real terminal (tmux): walk every stage with enter, write, and check the files with
// openssl; Ctrl-C mid-way leaves nothing behind; NO_COLOR drops every colour but keeps the marks.
import {execFileSync, spawnSync} from 'node:child_process';
import {existsSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {freezeKeyProcess, processAlive, processesIn} from '../helpers/processes.js';
import {cliPath, hasTool, kubepki, runStatus, tempDir} from '../helpers/tools.js';
import {waitUntil} from '../helpers/until.js';
import type {Term} from './tmux.js';
import {wizard} from './wizard-term.js';

const haveTmux = hasTool('tmux');
const haveOpenssl = hasTool('openssl');

/** Every file under dir, relative, sorted. */
function files(dir: string): string[] {
	return (readdirSync(dir, {recursive: true, withFileTypes: true}) as Array<{isFile(): boolean; name: string; parentPath: string}>)
		.filter(entry => entry.isFile())
		.map(entry => path.relative(dir, path.join(entry.parentPath, entry.name)))
		.sort();
}

/** Node processes (this test's node binary) whose working folder is `dir`: the wizard and its child. */
function nodeProcessesIn(dir: string): number[] {
	return processesIn(dir).filter(pid => {
		try {
			return readlinkSync(`/proc/${pid}/exe`) === realpathSync(process.execPath);
		} catch {
			return false;
		}
	});
}

/**
 * Wait until no node process works in `dir` and the key process `pid` is dead. The key process is frozen
 * (SIGSTOP) by the test, so it never ends by itself: only the wizard's SIGKILL ends it, and the wait can fail.
 */
async function gone(dir: string, pid: number): Promise<void> {
	await waitUntil(`no process of the wizard left in ${dir}`, () => {
		const left = nodeProcessesIn(dir);
		return left.length === 0 && !processAlive(pid) ? {found: undefined} : {seen: `running: ${left.join(', ')}; key process ${pid} alive: ${processAlive(pid)}`};
	});
}

const titles = ['Tools', 'Cluster', 'Certificate authority', 'Kubelet certs', 'Component certs', 'API server SANs', 'Kubeconfigs', 'Encryption at rest', 'etcd', 'Review & write'];

/** Press enter through stages 1..9, checking each title on the way. */
async function walkToReview(term: Term): Promise<void> {
	await term.waitFor('step 1 of 10: Tools');
	await walkToReviewFrom(term, 1);
}

/** From stage `from` (1-based), enter until Review & write. */
async function walkToReviewFrom(term: Term, from: number): Promise<void> {
	for (let i = from; i < titles.length; i++) {
		term.keys('Enter');
		await term.waitFor(`step ${i + 1} of 10: ${titles[i]}`);
	}
}

describe.runIf(haveTmux)('the wizard in a real terminal', () => {
	test('enter through every stage writes the same files as generate, and openssl verifies every leaf', async () => {
		const dir = tempDir();
		const term = wizard(dir, ['--out', 'pki']);
		await walkToReview(term);
		const review = await term.waitFor(/Write \d+ files to pki/);
		expect(review).toContain('0600  ca-key.pem');
		expect(existsSync(path.join(dir, 'pki'))).toBe(false);
		term.keys('Enter');
		await term.waitFor(/Write \d+ files to pki\?/);
		term.keys('Enter');
		const written = await term.waitFor('✓ Wrote');
		expect(written).toMatch(/master1 \(master, 10\.128\.15\.221\)/);
		const count = /✓ Wrote (\d+) files/.exec(written)![1];
		// The viewer opens on the folder just written, reads every file, and q comes back to Review.
		term.keys('v');
		await term.waitFor(`kubepki inspect · ${count} file(s)`);
		term.keys('q');
		await term.waitFor('step 10 of 10: Review & write');
		term.keys('q');
		await term.waitFor('EXIT=0');

		const out = path.join(dir, 'pki');
		const generated = path.join(dir, 'generated');
		expect(kubepki(['generate', '--out', generated, '--quiet']).status).toBe(0);
		expect(files(out)).toEqual(files(generated));
		for (const key of files(out).filter(f => f.endsWith('-key.pem') || f.endsWith('.kubeconfig'))) {
			expect((statSync(path.join(out, key)).mode & 0o777).toString(8), key).toBe('600');
		}

		if (!haveOpenssl) return;
		const leaves = files(out).filter(f => !f.includes('/') && f.endsWith('.pem') && !f.endsWith('-key.pem') && f !== 'ca.pem');
		expect(leaves).toEqual(['admin.pem', 'kube-controller-manager.pem', 'kube-proxy.pem', 'kube-scheduler.pem', 'kubernetes.pem', 'node1.pem', 'node2.pem', 'service-account.pem']);
		for (const leaf of leaves) {
			const result = runStatus('openssl', ['verify', '-CAfile', path.join(out, 'ca.pem'), path.join(out, leaf)]);
			expect(result.stdout.trim(), result.stderr).toBe(`${path.join(out, leaf)}: OK`);
		}
	});

	test('a second run in the same folder signs with the CA already there and keeps its bytes', async () => {
		const dir = tempDir();
		const out = path.join(dir, 'pki');
		expect(kubepki(['generate', '--out', out, '--algorithm', 'ecdsa-p256', '--quiet']).status).toBe(0);
		const ca = readFileSync(path.join(out, 'ca.pem'), 'utf8');
		const caKey = readFileSync(path.join(out, 'ca-key.pem'), 'utf8');
		rmSync(path.join(out, 'node1.pem'));
		const term = wizard(dir, ['--out', 'pki', '--algorithm', 'ecdsa-p256']);
		// The folder screen first (a kubepki folder): Change the cluster opens the stages.
		await term.waitFor('2. Change the cluster');
		term.keys('Down');
		await term.waitFor('› 2. Change the cluster');
		term.keys('Enter');
		await term.waitFor('step 1 of 10');
		term.keys('Enter');
		await term.waitFor('step 2 of 10');
		term.keys('Enter');
		const caStage = await term.waitFor('existing CA, reused');
		expect(caStage).toContain('already has a CA');
		await walkToReviewFrom(term, 3);
		await term.waitFor(/Write \d+ files to pki/);
		term.keys('Enter');
		await term.waitFor('existing CA in the folder is kept');
		term.keys('Enter');
		await term.waitFor('✓ Wrote');
		term.keys('q');
		await term.waitFor('EXIT=0');
		expect(readFileSync(path.join(out, 'ca.pem'), 'utf8')).toBe(ca);
		expect(readFileSync(path.join(out, 'ca-key.pem'), 'utf8')).toBe(caKey);
		if (!haveOpenssl) return;
		const result = runStatus('openssl', ['verify', '-CAfile', path.join(out, 'ca.pem'), path.join(out, 'node1.pem')]);
		expect(result.stdout.trim(), result.stderr).toBe(`${path.join(out, 'node1.pem')}: OK`);
	});

	test('a CA certificate without its key is refused on screen, the CA stage cannot be continued; nothing is written, q still leaves', async () => {
		const dir = tempDir();
		const out = path.join(dir, 'pki');
		expect(kubepki(['generate', '--out', out, '--algorithm', 'ecdsa-p256', '--quiet']).status).toBe(0);
		for (const file of readdirSync(out)) if (file !== 'ca.pem') rmSync(path.join(out, file), {recursive: true});
		const term = wizard(dir, ['--out', 'pki']);
		const screen = await term.waitFor('ca-key.pem is missing');
		expect(screen).toContain('✗');
		term.keys('Enter');
		await term.waitFor('step 2 of 10: Cluster');
		term.keys('Enter');
		await term.waitFor('step 3 of 10: Certificate authority');
		term.keys('Enter');
		const refused = await term.waitFor('! cannot go on:');
		// Still the CA stage, and not marked done.
		expect(refused).toContain('step 3 of 10: Certificate authority');
		expect(refused).toContain('▸ CA');
		expect(refused).not.toContain('✓ CA');
		term.keys('q');
		await term.waitFor('Quit the wizard?');
		term.keys('y');
		await term.waitFor('EXIT=0');
		expect(readdirSync(out)).toEqual(['ca.pem']);
	});

	test('two Esc in one write (a fast double press) go back two stages', async () => {
		const dir = tempDir();
		const term = wizard(dir, ['--out', 'pki', '--algorithm', 'ecdsa-p256']);
		await term.waitFor('step 1 of 10: Tools');
		await walkToReviewFrom(term, 1);
		// One send-keys of both bytes: the terminal hands them to the wizard in one read.
		term.type('\u001B\u001B');
		await term.waitFor('step 8 of 10: Encryption at rest');
		term.type('\u001B\u001B\u001B');
		await term.waitFor('step 5 of 10: Component certs');
		term.keys('C-c');
		await term.waitFor('EXIT=130');
	});

	test('bad input is one line and exit 2 before the screen opens', async () => {
		const dir = tempDir();
		const term = wizard(dir, ['--config', 'missing.yaml']);
		const screen = await term.waitFor('EXIT=2');
		expect(screen).toContain('kubepki: --config: cannot read missing.yaml: no such file');
		expect(screen).not.toContain('at ');
	});

	test('the screen answers keys while the keys are being made', async () => {
		const dir = tempDir();
		const term = wizard(dir, ['--out', 'pki', '--algorithm', 'rsa-4096']);
		// Frozen, the key process makes no key until resumed: the walk below happens while the keys are owed, on a
		// machine of any speed.
		const keys = await freezeKeyProcess(dir);
		await term.waitFor(/making keys [0-8]\/9/);
		term.keys('Enter');
		const cluster = await term.waitFor('step 2 of 10: Cluster');
		term.keys('Enter');
		const ca = await term.waitFor('step 3 of 10: Certificate authority');
		// Still busy: the stage moved on without waiting for the keys, and says the cards are coming.
		expect(`${cluster}\n${ca}`).toMatch(/making keys [0-8]\/9/);
		expect(ca).toContain('… making keys');
		expect(ca).not.toContain('Cluster certificate authority · ca.pem · new');
		keys.resume();
		// One RSA-4096 key takes from one second to a minute on a loaded 2-core machine: the wait has no limit of its
		// own (the test's is long), so a slow machine is never taken for a broken screen.
		await term.waitFor('Cluster certificate authority · ca.pem · new');
		term.keys('C-c');
		await term.waitFor('EXIT=130');
	}, 300_000);

	test('Ctrl-C while the keys are being made leaves no output folder, exit 130', async () => {
		const dir = tempDir();
		const term = wizard(dir, ['--out', 'pki', '--algorithm', 'rsa-4096']);
		// Frozen key process: the interrupt lands while keys are owed, however fast the machine.
		const keys = await freezeKeyProcess(dir);
		await term.waitFor(/making keys [0-8]\/9/);
		term.keys('C-c');
		await term.waitFor('EXIT=130');
		// It left without waiting for the keys still owed: no process of it is left making them. The frozen key
		// process would stay forever had the wizard not killed it, so this wait can fail; it is a wait because a
		// SIGKILLed process takes its own moment to die, which a loaded machine can make later than EXIT=.
		await gone(dir, keys.pid);
		expect(nodeProcessesIn(dir)).toEqual([]);
		expect(processAlive(keys.pid)).toBe(false);
		expect(existsSync(path.join(dir, 'pki'))).toBe(false);
	});

	test('q, y while RSA-4096 keys are being made leaves at once with 0, nothing written, the terminal restored', async () => {
		const dir = tempDir();
		// A tmux session of its own: the check of the terminal afterwards needs the cursor flag and the tty.
		const socket = `kubepki-e2e-quit-${process.pid}`;
		const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], {encoding: 'utf8'});
		const command = `cd '${dir}' && env -u NO_COLOR CI=false TERM=xterm-256color '${process.execPath}' '${cliPath}' --out pki --algorithm rsa-4096; echo EXIT=$?; sleep 600`;
		tmux('new-session', '-d', '-s', 'e', '-x', '100', '-y', '30', command);
		try {
			const screen = () => tmux('capture-pane', '-p', '-t', 'e');
			// No clock of its own: the test's timeout is the bound, and the screen last seen is reported with it.
			const waitFor = async (pattern: RegExp) =>
				waitUntil(String(pattern), () => {
					const text = screen();
					return pattern.test(text) ? {found: text} : {seen: `screen:\n${text}`};
				});

			// The key process frozen with its RSA-4096 jobs asked for: keys are owed when the quit is confirmed, and
			// would be for ever had the wizard waited for them.
			const keys = await freezeKeyProcess(dir);
			await waitFor(/making keys [0-8]\/9/);
			tmux('send-keys', '-t', 'e', 'q');
			await waitFor(/Quit the wizard\?/);
			tmux('send-keys', '-t', 'e', 'y');
			const after = await waitFor(/EXIT=\d+/);
			expect(after).toContain('EXIT=0');
			// Left without waiting for the key jobs: nothing of the wizard still runs them (the frozen key process
			// stays forever unless the wizard killed it: see gone).
			await gone(dir, keys.pid);
			expect(nodeProcessesIn(dir)).toEqual([]);
			expect(processAlive(keys.pid)).toBe(false);
			expect(existsSync(path.join(dir, 'pki'))).toBe(false);
			// The terminal as it was: the cursor shown, and cooked mode (line editing and echo back on).
			expect(tmux('display-message', '-p', '-t', 'e', '#{cursor_flag}').trim()).toBe('1');
			const tty = tmux('display-message', '-p', '-t', 'e', '#{pane_tty}').trim();
			const modes = spawnSync('stty', ['-a', '-F', tty], {encoding: 'utf8'}).stdout.split(/\s+/);
			expect(modes).toContain('icanon');
			expect(modes).toContain('echo');
		} finally {
			spawnSync('tmux', ['-L', socket, 'kill-server'], {stdio: 'ignore'});
		}
	});

	test('Ctrl-C at Review & write, before confirming, leaves no output folder', async () => {
		const dir = tempDir();
		const term = wizard(dir, ['--out', 'pki', '--algorithm', 'ecdsa-p256']);
		await walkToReview(term);
		// The files are decided before the write can be asked for.
		await term.waitFor(/Write \d+ files to pki \]/);
		term.keys('Enter');
		await term.waitFor(/Write \d+ files to pki\?/);
		term.keys('C-c');
		await term.waitFor('EXIT=130');
		expect(existsSync(path.join(dir, 'pki'))).toBe(false);
	});

	test('NO_COLOR: the same screen without a single colour, the marks still there', async () => {
		const colourCode = /\u001B\[(?:[0-9;]*;)?(?:3[0-7]|9[0-7]|38;[25];[0-9;]+)m/;
		const dir = tempDir();
		// FORCE_COLOR: chalk turns colour off by itself whenever CI is set (even CI=false, which Ink needs
		// here); forcing it on proves that NO_COLOR is honoured by the wizard, not by an accident of the env.
		const coloured = wizard(dir, ['--out', 'pki', '--algorithm', 'ecdsa-p256'], {FORCE_COLOR: '1'});
		await coloured.waitFor('certificates made in memory');
		expect(coloured.screen({escapes: true})).toMatch(colourCode);
		const plain = wizard(dir, ['--out', 'pki', '--algorithm', 'ecdsa-p256'], {NO_COLOR: '1', FORCE_COLOR: '1'});
		await plain.waitFor('certificates made in memory');
		const screen = plain.screen({escapes: true});
		expect(screen).not.toMatch(colourCode);
		// Attributes are not colour: the plain screen still sets the current stage apart in bold.
		expect(screen).toContain('\u001B[1m');
		expect(plain.screen()).toContain('▸ Tools');
		expect(plain.screen()).toContain('· Cluster');
	});

	test('at 80×24 the first screen fits: header on the first row, key help on the last drawn row', async () => {
		const dir = tempDir();
		const term = wizard(dir, ['--out', 'pki', '--algorithm', 'ecdsa-p256'], {}, {columns: 80, rows: 24});
		const screen = await term.waitFor('certificates made in memory');
		const rows = screen.split('\n');
		expect(rows[0]).toMatch(/^kubepki · step 1 of 10: Tools/);
		expect(rows[22]).toMatch(/enter confirm/);
	});

	test('at 80×24 a learner walks with arrows and readline keys, Tab opens the next field, and w saves the commands shown', async () => {
		const dir = tempDir();
		const term = wizard(dir, ['--out', 'pki', '--algorithm', 'ecdsa-p256'], {}, {columns: 80, rows: 24});
		const first = await term.waitFor('certificates made in memory');
		// No sidebar at 80 columns: the header says what comes next.
		expect(first.split('\n')[0]).toMatch(/step 1 of 10: Tools · next: Cluster/);
		term.keys('Enter');
		await term.waitFor('step 2 of 10: Cluster');
		// Home, then down to Workers (row 6), as a person counts them.
		term.keys('Home');
		for (let i = 0; i < 5; i++) term.keys('Down');
		await term.waitFor(/› Workers/);
		term.keys('Enter');
		await term.waitFor('enter save');
		// Ctrl-U erases the whole line (it inserts no letter), then one worker is typed and Tab saves it.
		term.keys('C-u');
		term.type('node1:10.128.15.223');
		term.keys('Tab');
		// Tab opened the next field (past the key algorithm): CA validity is being edited now.
		const next = await term.waitFor(/CA validity +87600h/);
		expect(next).toContain('enter save');
		term.keys('Escape');
		const saved = await term.waitFor('1 kubelet(s)');
		expect(saved).toMatch(/Workers +node1:10\.128\.15\.223\s/);
		expect(saved).toContain('✓ Valid.');
		// Text typed outside a field goes nowhere and says so.
		term.type('x');
		await term.waitFor('press enter to edit CA validity');
		term.keys('End');
		await term.waitFor('› [ Continue ]');
		term.keys('Enter');
		await term.waitFor('step 3 of 10: Certificate authority');
		term.type('c');
		await term.waitFor('By hand with cfssl');
		term.type('w');
		await term.waitFor('saved the commands to pki/by-hand/ca-cfssl.sh');
		const script = path.join(dir, 'pki', 'by-hand', 'ca-cfssl.sh');
		expect(readFileSync(script, 'utf8')).toContain('cfssl gencert -initca ca-csr.json | cfssljson -bare ca');
		expect(spawnSync('bash', ['-n', script]).status).toBe(0);
		term.keys('C-c');
		await term.waitFor('EXIT=130');
	});
});
