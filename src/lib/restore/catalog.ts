// Which scenario module runs each runbook section.
import { AzdrError } from "../errors.js";
import type { RestoreScenario } from "./engine/engine.js";
import type { ScenarioName } from "./engine/request.js";
import { unityCatalogScenario } from "./scenarios/unity-catalog.js";
import { workspaceScenario } from "./scenarios/workspace.js";

const SCENARIO_MODULES: Partial<Record<ScenarioName, RestoreScenario>> = {
  workspace: workspaceScenario,
  "unity-catalog": unityCatalogScenario,
};

export function scenarioFor(name: ScenarioName): RestoreScenario {
  const scenario = SCENARIO_MODULES[name];
  if (!scenario) throw new AzdrError("UNSUPPORTED", `restore scenario "${name}" is not implemented yet`);
  return scenario;
}
