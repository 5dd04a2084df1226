import { inject, test, expect } from "vitest";
import { BlobServiceClient } from "@azure/storage-blob";

test("Azurite from the global setup answers blob calls", async () => {
  const service = BlobServiceClient.fromConnectionString(inject("azuriteConnectionString"));
  const container = service.getContainerClient("smoke");
  await container.createIfNotExists();
  expect(await container.exists()).toBe(true);
});
