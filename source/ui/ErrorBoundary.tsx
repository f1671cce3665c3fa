import React from 'react';

type Props = {
	/** Told once, with the error, so the caller can unmount (which gives the terminal back) and print one line. */
	readonly onError: (error: Error) => void;
	readonly children: React.ReactNode;
};

type State = {readonly failed: boolean};

/**
 * Catches what a screen throws while drawing: instead of Ink's full-screen error overview with a stack
 * trace, the caller unmounts (raw mode off, cursor back) and prints one line.
 */
export class ErrorBoundary extends React.Component<Props, State> {
	override state: State = {failed: false};

	static getDerivedStateFromError(): State {
		return {failed: true};
	}

	override componentDidCatch(error: Error): void {
		this.props.onError(error);
	}

	override render(): React.ReactNode {
		return this.state.failed ? null : this.props.children;
	}
}

/** The one line for a failure: the first line of the message, never a stack. */
export function failureLine(error: unknown): string {
	const message = error instanceof Error ? error.message : String(error);
	return (message.split('\n')[0] ?? '').slice(0, 200);
}
