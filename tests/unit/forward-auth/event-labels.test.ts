import { expect, test } from "bun:test";
import { describeEvent } from "../../../src/audit/event-labels.ts";

test("forward-auth audit events read in plain words with the app and host", () => {
  expect(describeEvent("FORWARD_AUTH_GRANTED", { appId: "x", appName: "Dashboard", host: "app.example.com" })).toEqual({ title: "Opened a protected app", detail: "Dashboard (app.example.com)", tone: "neutral" });
  expect(describeEvent("FORWARD_AUTH_DENIED", { appId: "x", appName: "Dashboard", host: "app.example.com" })).toEqual({ title: "Refused at a protected app", detail: "Dashboard (app.example.com)", tone: "warning" });
});
