/**
 * A message the domain wants shown to a person, not yet in any language: a catalogue key and its
 * values. Domain code (AppError, FieldErrors) carries these; the page or the error mapper puts them
 * in the viewer's language, and logs and the CLI use English (englishText in translator.ts).
 */
import type { MessageKey } from "./catalog.ts";

/** Values for a message's placeholders; a value that is itself a Message is translated first ("between {min} and {max}"). */
export type MessageParams = { [name: string]: string | number | Message };

export interface Message {
  readonly key: MessageKey;
  readonly params?: MessageParams;
}

/** Text for a person: a catalogue message, or a plain string that is not language (a name, a URL, a server's own words). */
export type Text = string | Message;

export function msg(key: MessageKey, params?: MessageParams): Message {
  return params ? { key, params } : { key };
}

export function isMessage(value: unknown): value is Message {
  return typeof value === "object" && value !== null && typeof (value as Message).key === "string";
}
