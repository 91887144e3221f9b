/** A text command an agent types to the bot. */
export type DeskTextCommand =
  | { name: 'status'; presence: 'away' | 'available' | 'offline' }
  | { name: 'resolve' }
  | { name: 'reopen' }
  | { name: 'transfer'; queue: string }
  | { name: 'note'; text: string }
  | { name: 'whois'; identity: string }
  | { name: 'mine' }
  | { name: 'help' };

export type ParsedText =
  | { kind: 'command'; command: DeskTextCommand }
  /** A command word with bad arguments, or a word that is no command: `problem` says what is wrong. */
  | { kind: 'invalid'; problem: string }
  /** Not a command at all (a reply in a conversation's thread). */
  | { kind: 'text'; text: string };

export const COMMAND_HELP = [
  '`status away|available|offline` — set your presence',
  '`resolve` / `reopen` — close or reopen the conversation (in its thread)',
  '`transfer <queue>` — hand the conversation to another queue',
  '`note <text>` — an internal note, never sent to the customer',
  '`whois <email|phone>` — look up a customer',
  '`mine` — your offers and assigned conversations',
  '`help` — this list',
].join('\n\n');

const NAMES = ['status', 'resolve', 'reopen', 'transfer', 'note', 'whois', 'mine', 'help'] as const;
const PRESENCES = ['away', 'available', 'offline'] as const;

// Levenshtein distance up to small words: enough to tell `resovle` from `resolve`.
const distance = (a: string, b: string): number => {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] ?? 0;
      row[j] = Math.min(current + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] ?? 0;
};

/** Teams wraps mentions and formatting in markup: the command is the plain text. */
const plain = (text: string): string =>
  text
    .replace(/<at>[^<]*<\/at>/g, '')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .trim();

/**
 * Reads a message: a command (first word), a near-miss of one (a typo), or plain text. In a
 * conversation's thread plain text is a reply to the customer; a first word that is close to a
 * command name is taken as a typo there too, so `resovle` never reaches the customer.
 */
export const parseDeskText = (raw: string, inThread: boolean): ParsedText => {
  const text = plain(raw);
  const [first = '', ...rest] = text.split(/\s+/);
  const word = first.toLowerCase().replace(/^\//, '');
  const args = rest.join(' ').trim();
  const name = NAMES.find((n) => n === word);
  if (name === undefined) {
    const near = NAMES.find((n) => distance(word, n) <= (n.length > 4 ? 2 : 1));
    if (near !== undefined && (rest.length <= 1 || !inThread)) return { kind: 'invalid', problem: `unknown command '${first}' — did you mean \`${near}\`?` };
    if (inThread) return { kind: 'text', text };
    return { kind: 'invalid', problem: text === '' ? 'empty message' : `unknown command '${first}'` };
  }
  switch (name) {
    case 'status': {
      const presence = PRESENCES.find((p) => p === args.toLowerCase());
      return presence ? { kind: 'command', command: { name, presence } } : { kind: 'invalid', problem: '`status` takes one of: away, available, offline' };
    }
    case 'transfer':
      return /^\S+$/.test(args) ? { kind: 'command', command: { name, queue: args } } : { kind: 'invalid', problem: '`transfer` takes a queue name: `transfer billing`' };
    case 'note':
      return args ? { kind: 'command', command: { name, text: args } } : { kind: 'invalid', problem: '`note` takes the text of the note' };
    case 'whois':
      return /^\S+$/.test(args) ? { kind: 'command', command: { name, identity: args } } : { kind: 'invalid', problem: '`whois` takes an email address or a phone number' };
    default:
      return args ? { kind: 'invalid', problem: `\`${name}\` takes nothing after it` } : { kind: 'command', command: { name } };
  }
};
