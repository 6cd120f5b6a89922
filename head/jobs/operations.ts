// What the API can ask of the head, by concern: submissions (and recurring templates), queries
// (qstat, qselect, tracejob), control of jobs (qhold, qrls, qdel, qrerun, qalter), moves (qmove,
// qorder), a running job's output (drover peek, qmsg), the server and its queues, and the nodes.
// All share one set of dependencies.
import { JobControl } from './job-control.js';
import { JobMessages } from './job-messages.js';
import { JobMoves } from './job-moves.js';
import type { OperationsDeps } from './job-operands.js';
import { JobOutput } from './job-output.js';
import { JobQueries } from './job-queries.js';
import { JobSignals } from './job-signals.js';
import { NodeOperations } from './node-operations.js';
import { ServerAdmin } from './server-admin.js';
import { Submissions } from './submissions.js';

export class Operations {
  readonly submissions: Submissions;
  readonly queries: JobQueries;
  readonly control: JobControl;
  /** qsig: signals, suspension and resumption */
  readonly signals: JobSignals;
  readonly moves: JobMoves;
  readonly messages: JobMessages;
  readonly output: JobOutput;
  readonly admin: ServerAdmin;
  readonly nodes: NodeOperations;

  constructor(deps: OperationsDeps) {
    this.submissions = new Submissions(deps);
    this.queries = new JobQueries(deps);
    this.control = new JobControl(deps);
    this.signals = new JobSignals(deps);
    this.moves = new JobMoves(deps);
    this.messages = new JobMessages(deps);
    this.output = new JobOutput(deps);
    this.admin = new ServerAdmin(deps);
    this.nodes = new NodeOperations(deps);
  }
}
