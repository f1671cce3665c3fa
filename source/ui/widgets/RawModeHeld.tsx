import {useStdin} from 'ink';
import {useEffect} from 'react';

/**
 * Raw mode held for as long as this is mounted (put it at the root of an app). Ink turns raw mode off whenever no
 * component listens for keys, as for a moment when one screen gives way to another that has its own listener: a
 * key typed in that moment reaches the terminal in cooked mode, where enter becomes a newline that no screen takes
 * for enter, and the terminal echoes what is typed.
 */
export function RawModeHeld(): null {
	const {setRawMode, isRawModeSupported} = useStdin();
	useEffect(() => {
		if (!isRawModeSupported) return undefined;
		setRawMode(true);
		return () => {
			setRawMode(false);
		};
	}, [setRawMode, isRawModeSupported]);
	return null;
}
