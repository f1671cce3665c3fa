#!/usr/bin/env node
// The README's picture: the built CLI's wizard in a real terminal (tmux on a private socket, 100×30), on the
// Kubelet certs stage; the screen captured with its colours, drawn as HTML, and photographed by headless
// Chromium. (FORCE_COLOR: chalk turns colour off whenever CI is set, even CI=false, which Ink needs.) Anyone can re-run it:  npm run build && node scripts/readme-picture.mjs
// Needs tmux and chromium (Debian: apt-get install tmux chromium). Writes docs/wizard.png and docs/wizard-frame.txt.
import {execFileSync, spawnSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {screenToHtmlPage} from './ansi-html.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const cli = path.join(root, 'dist', 'cli.js');
const docs = path.join(root, 'docs');
const columns = 100;
const rows = 30;
const fontSize = 14;

function need(command, install) {
	if (spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0) {
		process.stderr.write(`readme-picture: ${command} is missing: ${install}\n`);
		process.exit(1);
	}
}

need('tmux', 'apt-get install tmux');
const chromium = ['chromium', 'chromium-browser', 'google-chrome'].find(name => spawnSync('sh', ['-c', `command -v ${name}`]).status === 0);
if (!chromium) need('chromium', 'apt-get install chromium');

const socket = `kubepki-picture-${process.pid}`;
const tmux = (...args) => execFileSync('tmux', ['-L', socket, ...args], {encoding: 'utf8'});
const work = mkdtempSync(path.join(tmpdir(), 'kubepki-picture-'));
const quote = value => `'${value.replaceAll("'", "'\\''")}'`;

async function waitFor(text) {
	for (let tries = 0; tries < 300; tries++) {
		const screen = tmux('capture-pane', '-p', '-t', 'w');
		if (screen.includes(text)) return screen;
		await new Promise(resolve => setTimeout(resolve, 100));
	}

	throw new Error(`the wizard never showed "${text}"`);
}

try {
	tmux('new-session', '-d', '-s', 'w', '-x', String(columns), '-y', String(rows), `cd ${quote(work)} && env -u NO_COLOR CI=false FORCE_COLOR=1 TERM=xterm-256color ${quote(process.execPath)} ${quote(cli)}; sleep 600`);
	await waitFor('step 1 of 10');
	for (const step of ['step 2 of 10', 'step 3 of 10', 'step 4 of 10: Kubelet certs']) {
		tmux('send-keys', '-t', 'w', 'Enter');
		await waitFor(step);
	}

	// The card is drawn from the issued certificate: wait until it is there, not for a time.
	await waitFor('Read by');
	const coloured = tmux('capture-pane', '-e', '-p', '-t', 'w');
	const text = tmux('capture-pane', '-p', '-t', 'w');
	mkdirSync(docs, {recursive: true});
	writeFileSync(path.join(docs, 'wizard-frame.txt'), text.replace(/[ \t]+$/gm, ''));
	const page = path.join(work, 'frame.html');
	writeFileSync(page, screenToHtmlPage(coloured, {columns, rows, fontSize}));
	// DejaVu Sans Mono's advance is 0.602 em; 12 px of padding on each side.
	const width = Math.ceil(columns * fontSize * 0.602) + 24;
	const height = Math.ceil(rows * fontSize * 1.17) + 24;
	const png = path.join(docs, 'wizard.png');
	const shot = spawnSync(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--window-size=${width},${height}`, `--screenshot=${png}`, `file://${page}`], {encoding: 'utf8'});
	if (shot.status !== 0) throw new Error(`${chromium} failed: ${shot.stderr.split('\n').find(line => line.trim()) ?? `exit ${shot.status}`}`);
	process.stdout.write(`wrote ${path.relative(root, png)} (${width}×${height}) and ${path.relative(root, path.join(docs, 'wizard-frame.txt'))}\n`);
} finally {
	spawnSync('tmux', ['-L', socket, 'kill-server'], {stdio: 'ignore'});
	rmSync(work, {recursive: true, force: true});
}
