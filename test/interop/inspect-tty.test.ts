import {spawnSync} from 'node:child_process';
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {cliPath, hasTool, kubepki, run, tempDir} from '../helpers/tools.js';

const ready = hasTool('tmux') && hasTool('openssl') && hasTool('kubectl');
const dir = tempDir('kubepki-inspect-tty-');
const session = `kubepki-viewer-${process.pid}`;

// A tmux server of its own (-L): never the person's default server, never another test file's.
const tmux = (...args: string[]) => spawnSync('tmux', ['-L', session, ...args], {encoding: 'utf8'});
const screen = () => tmux('capture-pane', '-p', '-t', session).stdout;

async function waitForScreen(expected: string | RegExp, timeout = 8000): Promise<string> {
	const deadline = Date.now() + timeout;
	for (;;) {
		const text = screen();
		if (typeof expected === 'string' ? text.includes(expected) : expected.test(text)) return text;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(expected)}; screen:\n${text}`);
		await new Promise(resolve => setTimeout(resolve, 50));
	}
}

describe.skipIf(!ready)('kubepki inspect in a real terminal (tmux, 80×24) opens the viewer', () => {
	const mistakes = path.join(dir, 'mistakes');
	const exitFile = path.join(dir, 'exit-code');

	beforeAll(() => {
		run('sh', [path.resolve(import.meta.dirname, '../../fixtures/guide-mistakes/make.sh'), mistakes]);
		// CI=false: under CI=true Ink draws nothing until exit. NO_COLOR: marks must carry the meaning alone.
		const command = `cd ${mistakes} && env CI=false NO_COLOR=1 ${process.execPath} ${cliPath} inspect . ; echo $? > ${exitFile}; sleep 60`;
		const started = tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', command);
		expect(started.status).toBe(0);
	});

	afterAll(() => {
		tmux('kill-server');
	});

	it('shows the tree, the first certificate and the verdict, within 80×24', async () => {
		const text = await waitForScreen(/KUBERNETES-CA · key [\da-f]{8}/);
		// The viewer's verdict is the one lint --json gives for the same folder.
		const {findings} = JSON.parse(kubepki(['lint', '--json', mistakes]).stdout) as {findings: Array<{severity: string}>};
		const errors = findings.filter(f => f.severity === 'error').length;
		expect(errors).toBeGreaterThan(10);
		const files = readdirSync(mistakes, {recursive: true, withFileTypes: true}).filter(entry => entry.isFile()).length;
		expect(text).toContain(`kubepki inspect · ${files} file(s) · ✗ ${errors} error(s)`);
		expect(text).toMatch(/✗ \d+ error\(s\)/);
		expect(text).toMatch(/✗ admin\.pem/);
		// ca.pem and its namesake under remade/ are each one row (×2: a copy each), told apart by their keys.
		expect(text).toMatch(/[✓✗] ca\.pem/);
		expect(text).toContain('q/esc quit');
		for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
		// NO_COLOR: the pane holds no colour escapes at all.
		expect(tmux('capture-pane', '-p', '-e', '-t', session).stdout).not.toMatch(/\u001B\[(3\d|9\d)(;\d+)*m/);
	});

	it('moves to the typo kubelet with the arrow keys and shows its rule', async () => {
		// The CA heads its own group and is selected first; worker-0.pem is further down.
		await waitForScreen(/›[✓✗] (remade\/)?ca\.pem/);
		let text = screen();
		for (let i = 0; i < 40 && !text.includes('CN=system:nodes:worker-0'); i++) {
			tmux('send-keys', '-t', session, 'Down');
			await new Promise(resolve => setTimeout(resolve, 80));
			text = screen();
		}

		text = await waitForScreen('kubelet-identity');
		expect(text).toContain('system:node:worker-0');
		// The detail is longer than the pane: tab gives it the keys, and page down reaches the fingerprint.
		tmux('send-keys', '-t', session, 'Tab');
		await waitForScreen('scrolling the detail');
		for (let i = 0; i < 6 && !screen().includes('SHA-256'); i++) {
			tmux('send-keys', '-t', session, 'NPage');
			await new Promise(resolve => setTimeout(resolve, 80));
		}

		await waitForScreen('SHA-256');
	});

	it('q leaves the viewer, and the exit code says errors were found', async () => {
		tmux('send-keys', '-t', session, 'q');
		const deadline = Date.now() + 5000;
		let code = '';
		while (Date.now() < deadline) {
			code = (() => {
				try {
					return readFileSync(exitFile, 'utf8').trim();
				} catch {
					return '';
				}
			})();
			if (code) break;
			await new Promise(resolve => setTimeout(resolve, 50));
		}

		expect(code).toBe('1');
	});

	it('piped, the same command prints the report instead of opening the viewer', () => {
		const result = kubepki(['inspect', path.join(mistakes, 'ca.pem')]);
		expect(result.stdout).toMatch(/ca\.pem {2}certificate \(pem\)/);
		expect(result.status).toBe(0);
	});
});
