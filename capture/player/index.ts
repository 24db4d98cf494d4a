// The replay player used by the web UI. It is built separately from the
// capture script so that visitors of the customer's site never download it.
import { Replayer } from '@rrweb/replay';

(window as unknown as { rrwebReplay: unknown }).rrwebReplay = { Replayer };
