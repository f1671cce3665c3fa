import {toolProbes} from '../../../core/tools.js';
import {textLines, type Line} from '../../widgets/lines.js';
import type {StageDef} from '../stage-def.js';
import {continueItem, none} from './common.js';

export const toolsStage = {
	id: 'tools',
	title: 'Tools',
	short: 'Tools',
	produces: none,
	items: () => [continueItem],
	body(state, width) {
		const lines: Line[] = textLines('Nothing here is required: kubepki makes every key and certificate itself.', width, 'muted');
		if (!state.tools) return [...lines, {text: '… checking openssl, cfssl, cfssljson, kubectl, etcd, etcdctl', tone: 'muted'}];
		// An empty report is not "all missing": the probe had nothing to say, so say that and move on.
		if (state.tools.length === 0) return [...lines, ...textLines('· No tool report on this machine (run `kubepki doctor` to check them). Press enter to continue.', width, 'muted')];
		for (const tool of state.tools) {
			// ✓ found, ! found but older than the version to use today (and why that matters), ✗ missing.
			const mark = !tool.found ? '✗' : tool.outdated ? '!' : '✓';
			const what = tool.found ? (tool.version ?? 'found') : 'missing';
			const old = tool.outdated ? `, old: use ${tool.outdated.current}` : '';
			// What it is for wraps under the version column rather than running off the pane.
			const head = `${mark} ${tool.name.padEnd(10)} `;
			const text = `${what}${old}${tool.neededFor ? ` · for ${tool.neededFor}` : ''}`;
			const tone = !tool.found || tool.outdated ? 'warn' : 'ok';
			lines.push(...textLines(text, width - head.length).map((l, i) => ({text: (i === 0 ? head : ' '.repeat(head.length)) + l.text, tone: i === 0 ? tone : 'muted'} as const)));
			if (tool.outdated) lines.push(...textLines(tool.outdated.why, width - head.length, 'muted').map(l => ({...l, text: ' '.repeat(head.length) + l.text})));
			if (!tool.found) for (const hint of tool.install ?? []) lines.push(...textLines(hint, width - 4, 'muted', '  ').map(l => ({...l, text: `    ${l.text}`})));
		}

		return lines;
	},
	// The very probes doctor runs, so the commands shown are the ones whose output the stage reports.
	commands: () => toolProbes.map(probe => [probe.name, ...probe.versionArgs].join(' ')),
} as const satisfies StageDef;
