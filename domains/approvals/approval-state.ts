import { argsHashOf } from '../../lib/args-hash';
import type { ApprovalRow, ApprovalSubmission } from '../../lib/approval-projection';

/** Where an approval's decision stands, folded from its submissions as the workflow folds its signals. */
export interface ApprovalState {
  /** The args up for decision: the latest edit, else as requested. */
  currentArgs: Record<string, unknown>;
  /** `argsHashOf(currentArgs)`: what an approval must name. */
  argsHash: string;
  /** The approvals of `currentArgs`: an edit restarts the quorum with its own approval. */
  counted: ApprovalSubmission[];
  rejected: boolean;
}

/**
 * Submissions before decisions were bound to args carry no `argsHash`: they count as they did
 * (for whatever args stand), and their edits do not restart the quorum.
 */
export function approvalState(row: Pick<ApprovalRow, 'args' | 'submissions'>): ApprovalState {
  let currentArgs = row.args;
  let argsHash = argsHashOf(currentArgs);
  let counted: ApprovalSubmission[] = [];
  let rejected = false;
  for (const submission of row.submissions) {
    if (submission.decision === 'reject') {
      rejected = true;
      continue;
    }
    const bound = typeof submission.argsHash === 'string';
    if (bound && submission.argsHash !== argsHash) continue; // refused by the workflow as stale
    if (bound && submission.args && argsHashOf(submission.args) !== argsHash) {
      currentArgs = submission.args;
      argsHash = argsHashOf(submission.args);
      counted = [submission];
    } else {
      counted.push(submission);
    }
  }
  return { currentArgs, argsHash, counted, rejected };
}
