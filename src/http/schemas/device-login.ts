/** Sign in with another device (src/http/routes/device-login.ts): Pocket ID's bodies; the domain checks the code and the decision. */
import { Input, Maybe, ShortText } from "./common.ts";

export const DeviceLoginVerification = Input({ code: Maybe(ShortText({ description: "The code shown by the device that asks (PXXX-XXXX)" })) }, { $id: "DeviceLoginVerification" });

export const DeviceLoginDecisionInput = Input(
  { code: Maybe(ShortText({ description: "The code shown by the device that asks" })), decision: Maybe(ShortText({ description: "approve or deny" })) },
  { $id: "DeviceLoginDecision" },
);
