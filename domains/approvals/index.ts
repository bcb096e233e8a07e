export { presentApproval, type ApprovalView } from './present-approval';
export { submitDecision, type ApprovalDeps } from './submit-decision';
export { listApprovals } from './list-approvals';
