import type {PreviewSession} from '../../core/preview.js';
import type {ToolStatus} from '../../core/tools.js';

/**
 * What the wizard asks of the engine. The CLI passes the real one (core/preview.ts and core/tools.ts);
 * tests pass the same functions or record what would be written, without mocking modules.
 */
export type WizardEngine = PreviewSession & {
	readonly probeTools: () => Promise<readonly ToolStatus[]>;
	/** Save one file inside the output folder (core/save-file.ts); resolves to the absolute path. */
	readonly saveFile: (relative: string, content: string, mode: number) => Promise<string>;
};
