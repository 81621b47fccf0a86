// @runyard/executor/testing — the harness for testing workflows: run one for real under a
// runs root of its own, quietly, and assert on what it left (see docs/testing-workflows.md).

export {
  type StepOutputOptions,
  type TestWorkflowOptions,
  testWorkflow,
  WorkflowTestError,
  type WorkflowTestRun,
  type WorkflowText,
} from "./test-workflow.js";
