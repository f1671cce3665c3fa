/** What a command prints to and where it reads from: the real process in the CLI, buffers in tests. */
export type CommandIo = {
	readonly stdout: NodeJS.WritableStream & {isTTY?: boolean; columns?: number};
	readonly stderr: NodeJS.WritableStream;
	readonly env: NodeJS.ProcessEnv;
	readonly cwd: string;
};

/** A mistake in the input: printed as one line, exit 2, nothing written. */
export class UsageError extends Error {}
