// The wizard's engine for Ink tests: the real preview session (real keys, real certificates), recording each
// preview; writing is either recorded in memory or refused, so these tests never touch the disk.
import path from 'node:path';
import type {Prepared, Preview, PreviewSession} from '../../source/core/preview.js';
import type {ToolStatus} from '../../source/core/tools.js';
import type {WizardEngine} from '../../source/ui/wizard/engine.js';

export function testEngine(
	session: PreviewSession,
	options: {
		previews?: Preview[];
		writes?: {outPath: string; prepared: Prepared[]};
		tools?: readonly ToolStatus[];
		/** Files saved with w or e, recorded instead of written. */
		saved?: {outPath: string; files: Array<{relative: string; content: string; mode: number}>};
	} = {},
): WizardEngine {
	const {previews, writes, tools = [], saved} = options;
	return {
		async preview(topology, onProgress) {
			const preview = await session.preview(topology, onProgress);
			previews?.push(preview);
			return preview;
		},
		prepare: session.prepare,
		async write(prepared) {
			if (!writes) throw new Error('this test writes nothing');
			writes.prepared.push(prepared);
			return prepared.files.map(f => path.join(writes.outPath, f.path));
		},
		probeTools: async () => tools,
		async saveFile(relative, content, mode) {
			if (!saved) throw new Error('this test saves nothing');
			saved.files.push({relative, content, mode});
			return path.join(saved.outPath, relative);
		},
	};
}
