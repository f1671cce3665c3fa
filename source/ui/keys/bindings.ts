import type {Key} from './keys.js';

/** What a key does, by meaning. The reducer matches on these; KeyHelp draws them. */
export type Command =
	| 'move'
	| 'first-last'
	| 'sideways'
	| 'save-commands'
	| 'save-cluster'
	| 'confirm'
	| 'back'
	| 'pane'
	| 'scroll'
	| 'command'
	| 'help'
	| 'quit'
	| 'remove'
	| 'cycle'
	| 'view'
	| 'edit-save'
	| 'edit-cancel'
	| 'edit-next'
	| 'yes'
	| 'no'
	// The viewer's (kubepki inspect).
	| 'page'
	| 'ends'
	| 'search'
	| 'next-match'
	| 'sort'
	| 'filter';

/** Where a binding applies: the normal stage view, a text field being edited, or a yes/no question. */
export type KeyContext = 'stage' | 'editing' | 'confirm' | 'overlay' | 'viewer' | 'viewer-search';

export type Binding = {
	readonly command: Command;
	readonly context: KeyContext;
	/** Key names or single characters that trigger it. */
	readonly keys: readonly string[];
	/** The label on the help line. */
	readonly help: string;
};

/** Every key binding of the wizard, once: the reducer and the help line both read this table. */
export const bindings: readonly Binding[] = [
	{command: 'move', context: 'stage', keys: ['up', 'down'], help: '↑↓ move'},
	{command: 'confirm', context: 'stage', keys: ['enter'], help: 'enter confirm'},
	{command: 'cycle', context: 'stage', keys: ['left', 'right'], help: '←→ change'},
	{command: 'sideways', context: 'stage', keys: ['left', 'right'], help: '←→ sideways'},
	{command: 'remove', context: 'stage', keys: ['d', 'delete', 'backspace'], help: 'd remove'},
	{command: 'back', context: 'stage', keys: ['esc'], help: 'esc back'},
	{command: 'pane', context: 'stage', keys: ['tab', 'shift-tab'], help: 'tab pane'},
	{command: 'scroll', context: 'stage', keys: ['page-up', 'page-down', 'ctrl-u', 'ctrl-d'], help: 'pgup/pgdn scroll'},
	{command: 'first-last', context: 'stage', keys: ['home', 'end'], help: 'home/end first/last'},
	{command: 'command', context: 'stage', keys: ['c'], help: 'c command'},
	{command: 'save-commands', context: 'stage', keys: ['w'], help: 'w save commands'},
	{command: 'save-cluster', context: 'stage', keys: ['e'], help: 'e save cluster.yaml'},
	{command: 'view', context: 'stage', keys: ['v'], help: 'v viewer'},
	{command: 'help', context: 'stage', keys: ['?'], help: '? help'},
	{command: 'quit', context: 'stage', keys: ['q'], help: 'q quit'},
	{command: 'edit-save', context: 'editing', keys: ['enter'], help: 'enter save'},
	{command: 'edit-next', context: 'editing', keys: ['tab', 'shift-tab'], help: 'tab save & next'},
	{command: 'edit-cancel', context: 'editing', keys: ['esc'], help: 'esc cancel'},
	{command: 'yes', context: 'confirm', keys: ['y', 'enter'], help: 'y/enter yes'},
	{command: 'no', context: 'confirm', keys: ['n', 'esc'], help: 'n/esc no'},
	{command: 'back', context: 'overlay', keys: ['esc', '?', 'q', 'enter'], help: 'esc close'},
	// The viewer: the keys of less, k9s and lazygit.
	{command: 'move', context: 'viewer', keys: ['up', 'down', 'k', 'j'], help: '↑↓/jk move'},
	{command: 'page', context: 'viewer', keys: ['page-up', 'page-down', 'ctrl-u', 'ctrl-d'], help: 'pgup/pgdn page'},
	{command: 'ends', context: 'viewer', keys: ['g', 'G', 'home', 'end'], help: 'g/G ends'},
	{command: 'search', context: 'viewer', keys: ['/'], help: '/ search'},
	{command: 'next-match', context: 'viewer', keys: ['n', 'N'], help: 'n next'},
	{command: 'sort', context: 'viewer', keys: ['s'], help: 's sort'},
	{command: 'pane', context: 'viewer', keys: ['tab', 'shift-tab'], help: 'tab pane'},
	{command: 'filter', context: 'viewer', keys: ['f'], help: 'f findings only'},
	{command: 'help', context: 'viewer', keys: ['?'], help: '? help'},
	{command: 'quit', context: 'viewer', keys: ['q', 'esc'], help: 'q/esc quit'},
	{command: 'edit-save', context: 'viewer-search', keys: ['enter'], help: 'enter find'},
	{command: 'edit-cancel', context: 'viewer-search', keys: ['esc'], help: 'esc cancel'},
];

/** What each viewer binding does, in a sentence: the `?` screen. */
export const viewerHelp: Partial<Record<Command, string>> = {
	move: 'move through the list (or scroll the detail, when tab gave it the focus)',
	page: 'a page down or up (ctrl-d and ctrl-u too)',
	ends: 'the first or the last row',
	search: 'search names, subjects and SANs; enter jumps to the first match',
	'next-match': 'the next match (N: the one before)',
	sort: 'sort by name, by days left (soonest first) or by severity',
	pane: 'switch the pane that scrolls: the list or the detail',
	filter: 'only the rows with findings, or everything again',
	help: 'this list',
	quit: 'leave the viewer',
};

/**
 * The command a key triggers in a context, if any. Two bindings may share a key (←→ change a choice, or
 * scroll the commands sideways): `applies` says which of them holds where the person is.
 */
export function commandFor(context: KeyContext, key: Key, applies: (command: Command) => boolean = () => true): Command | undefined {
	const label = key.name === 'char' ? key.input : key.name;
	return bindings.find(b => b.context === context && b.keys.includes(label) && applies(b.command))?.command;
}
