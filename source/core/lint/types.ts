import type {Item, LoadResult} from '../pki/load.js';
import type {Chain} from './chain-index.js';

export type Severity = 'error' | 'warning' | 'info';

/** One problem, in the shape `lint --json` prints. */
export type Finding = {
	readonly path: string;
	/**
	 * The item of the file the finding is about (a kubeconfig field, a block of a bundle), as `inspect --json`
	 * names items: its source and block. Absent when the finding is about the file as a whole.
	 */
	readonly item?: {readonly source: string; readonly block?: number};
	/** A stable rule id (`kubelet-identity`): scripts and docs refer to it. */
	readonly rule: string;
	readonly severity: Severity;
	/** What is wrong and how to fix it, in one or two sentences. */
	readonly message: string;
};

/** Everything a rule may look at: the items, the folders' manifests, the chain index, the clock. */
export type LintContext = {
	readonly items: readonly Item[];
	readonly manifests: LoadResult['manifests'];
	/** Every file read whole (digest, mode) and every folder walked (mode): for the folder rules. */
	readonly files?: LoadResult['files'];
	readonly folders?: LoadResult['folders'];
	readonly chain: Chain;
	readonly now: Date;
};

/** A rule family: one file in this folder exports one of these per rule id. */
export type Rule = {
	readonly id: string;
	/** One line for --help and the viewer's legend. */
	readonly summary: string;
	readonly check: (context: LintContext) => Finding[];
};

/** An item with a parsed certificate. */
export type CertItem = Item & {readonly cert: NonNullable<Item['cert']>};

export function certItems(items: readonly Item[]): CertItem[] {
	return items.filter((item): item is CertItem => item.kind === 'certificate' && item.cert !== undefined);
}

/** The path and item of a finding about `item`: the viewer shows it on that item's row, not on every row of the file. */
export function about(item: Item): {path: string; item: {source: string; block?: number}} {
	return {path: item.path, item: {source: item.source, ...(item.block === undefined ? {} : {block: item.block})}};
}

/** Where a finding is, for messages: the file, plus the field of a kubeconfig it came from. */
export function where(item: Item): string {
	return item.source.startsWith('kubeconfig:') ? `${item.source.slice('kubeconfig:'.length)}: ` : '';
}
