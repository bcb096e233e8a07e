/**
 * The `flightdeck` package as definition files import it (`import { defineRun, z } from 'flightdeck'`).
 * Workflow-safe: it is bundled with every definition.
 */
export { z } from 'zod';
// Changing a definition that has runs in flight: the new code path goes behind patched('<id>') (docs/runs.md).
export { patched, deprecatePatch } from '@temporalio/workflow';
export {
  defineRun,
  type AgentAnswer,
  type AgentRequest,
  type ApprovalDecision,
  type ApprovalRequest,
  type ChildRunOptions,
  type ChildRunOutput,
  type ReceivedMessage,
  type RunContext,
  type RunDefinition,
  type RunDefinitionConfig,
  type ToolCallOptions,
} from './define-run';
export { ChildRunFailed, ChildRunInputError } from './child-run';
