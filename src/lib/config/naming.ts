// Resource names from the runbook's naming templates ({env}, {project}), unless the config names
// a resource explicitly.
import type { ArmResourceConfig, PlatformConfig } from "./schema.js";

export type NamingTemplate = keyof PlatformConfig["naming"];

export function applyTemplate(template: string, config: Pick<PlatformConfig, "env" | "project">): string {
  return template.replaceAll("{env}", config.env).replaceAll("{project}", config.project);
}

export function templateName(config: PlatformConfig, template: NamingTemplate): string {
  return applyTemplate(config.naming[template], config);
}

/** Name and resource group of an ARM resource entry, derived from the templates when omitted. */
export function resolveArmResource(
  config: PlatformConfig,
  resource: ArmResourceConfig,
  nameTemplate: NamingTemplate,
  groupTemplate: NamingTemplate,
): { name: string; resourceGroup: string } {
  return {
    name: resource.name ?? templateName(config, nameTemplate),
    resourceGroup: resource.resourceGroup ?? templateName(config, groupTemplate),
  };
}

export function backupStoreAccountName(config: PlatformConfig): string {
  return config.backupStore.accountName ?? templateName(config, "sharedStorageAccount");
}
