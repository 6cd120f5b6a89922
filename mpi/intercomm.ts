// An intercommunicator-like handle between this rank's universe and another (ranks it spawned,
// or the universe that spawned it): send / recv address the other side's ranks by their rank
// there. Frames carry the intercommunicator context; the receiver files them under its local
// context for the sender's universe, so two spawned universes never mix.
import { type Engine, INTER_CONTEXT } from './engine.js';
import { PointToPoint } from './p2p.js';

export class InterComm extends PointToPoint {
  /** this rank's number in its own COMM_WORLD */
  readonly rank: number;
  /** how many ranks the other side has */
  readonly remoteSize: number;

  constructor(
    engine: Engine,
    /** the other side's universe id */
    readonly remoteUniverse: string,
    remoteSize: number,
  ) {
    const members = Array.from({ length: remoteSize }, (_, r) => engine.peer(remoteUniverse, r));
    const context = engine.interContext(remoteUniverse);
    super(engine, members, context, INTER_CONTEXT, engine.self.rank);
    this.rank = engine.self.rank;
    this.remoteSize = remoteSize;
    engine.register(context, members);
  }
}
