/**
 * The double-entry ledger's rules (docs/payments.md): every money movement is one immutable entry whose
 * lines, in integer minor units of one currency, sum to zero; balances move only with the lines, under
 * row locks, in the entry's transaction; a refund or a dispute is a reversing entry, never an edit.
 */
import type { Db } from '@streamhub/db/client';
import type { AccountRef, LedgerRepository, NewEntry, PostedEntry } from './ledger.repository.ts';

/** A programming error: the caller built an entry that cannot be booked. Nothing was written. */
export class LedgerError extends Error {
  override name = 'LedgerError';
}

/** The entry was reversed already; the reversal that exists is `reversalId`. */
export class AlreadyReversedError extends LedgerError {
  override name = 'AlreadyReversedError';
  constructor(
    readonly entryId: string,
    readonly reversalId: string,
  ) {
    super(`ledger entry ${entryId} was already reversed by ${reversalId}`);
  }
}

const CURRENCY = /^[a-z]{3}$/;

/** The accounts of one currency that the payments flows use. */
export const accounts = {
  clearing: (provider: string, currency: string): AccountRef => ({
    kind: 'provider_clearing',
    currency,
    owner: provider,
  }),
  creator: (channelId: string, currency: string): AccountRef => ({
    kind: 'creator_payable',
    currency,
    owner: channelId,
  }),
  platformFees: (currency: string): AccountRef => ({ kind: 'platform_fees', currency, owner: '' }),
};

export interface TipSplit {
  provider: string;
  channelId: string;
  currency: string;
  amount: number;
  platformFee: number;
}

/**
 * A tip as one entry (Formance's split in one transaction): the provider's clearing account is debited
 * the whole amount, the creator's payable credited their share and the platform's fees its cut. Credits
 * are positive, so clearing runs negative: money the provider holds for us.
 */
export function tipLines({
  provider,
  channelId,
  currency,
  amount,
  platformFee,
}: TipSplit): NewEntry['lines'] {
  const lines: NewEntry['lines'] = [
    { account: accounts.clearing(provider, currency), amount: -amount },
    { account: accounts.creator(channelId, currency), amount: amount - platformFee },
  ];
  if (platformFee > 0) lines.push({ account: accounts.platformFees(currency), amount: platformFee });
  return lines.filter((line) => line.amount !== 0);
}

/** A money-in entry of the payments flows: a tip, a subscription's invoice, a dispute won back. */
export interface SplitEntry extends TipSplit {
  kind: 'tip' | 'subscription' | 'dispute_won';
  paymentId: string;
  description: string;
}

/**
 * The one builder of a split entry: every flow that takes money in (a tip, an invoice, a dispute won)
 * books it as the same three-line split, so their books cannot drift apart.
 */
export function splitEntry({ kind, paymentId, description, ...split }: SplitEntry): NewEntry {
  return { kind, currency: split.currency, paymentId, description, lines: tipLines(split) };
}

/**
 * A payout as one entry: the provider sent `amount` of the creator's money to their bank, so we owe
 * the creator that much less (creator payable debited) and the provider holds that much less for us
 * (clearing credited, back toward zero).
 */
export function payoutEntry(input: {
  provider: string;
  channelId: string;
  currency: string;
  amount: number;
  payoutId: string;
}): NewEntry {
  return {
    kind: 'payout',
    currency: input.currency,
    description: `${input.provider} payout ${input.payoutId}`,
    lines: [
      { account: accounts.creator(input.channelId, input.currency), amount: -input.amount },
      { account: accounts.clearing(input.provider, input.currency), amount: input.amount },
    ],
  };
}

/** The platform's cut of `amount` at `bps` basis points, rounded down to a whole minor unit. */
export function platformFeeOf(amount: number, bps: number): number {
  return Math.floor((amount * bps) / 10_000);
}

/** How much of a payment of `total` minor units the ledger had refunded before this refund, and after. */
export interface RefundedPart {
  before: number;
  after: number;
  total: number;
}

/**
 * The lines of a partial refund of `original` (a booked payment, whose lines add up to `total` on each
 * side): each line moves back by its share of what this refund adds, in whole minor units and exact.
 * Shares are taken of the cumulative amount refunded, rounded toward zero, and the largest credit (the
 * creator's share of a tip) takes what makes the entry balance; so a line of the whole amount (the
 * provider's clearing) moves by exactly the refund, partial refunds that add up to `total` reverse
 * every line exactly, and no unit is lost or made up between them.
 */
export function partialRefundLines(original: PostedEntry, part: RefundedPart): NewEntry['lines'] {
  const { before, after, total } = part;
  if (!(Number.isSafeInteger(before) && Number.isSafeInteger(after) && Number.isSafeInteger(total))) {
    throw new LedgerError('refunded amounts are whole minor units');
  }
  if (!(before >= 0 && before < after && after <= total)) {
    throw new LedgerError(`a refund must move ${before} up to at most ${total}, got ${after}`);
  }
  const credits = original.lines.filter((line) => line.amount > 0);
  let absorber = credits[0];
  for (const line of credits) if (absorber && line.amount > absorber.amount) absorber = line;
  if (!absorber) throw new LedgerError('the entry has no credit line to refund');
  const share = (amount: number, refunded: number) => Math.trunc((amount * refunded) / total);
  const lines = original.lines.map((line) => {
    const moved = line === absorber ? 0 : share(line.amount, after) - share(line.amount, before);
    return { account: line.account, amount: -moved };
  });
  const rest = lines.reduce((sum, line) => sum + line.amount, 0);
  const index = original.lines.indexOf(absorber);
  const absorbed = lines[index];
  if (absorbed) absorbed.amount = -rest;
  return lines.filter((line) => line.amount !== 0);
}

const keyOf = (ref: AccountRef) => `${ref.kind}/${ref.currency}/${ref.owner}`;

/** Throws a LedgerError unless `entry` can be booked as it is. */
export function assertBalanced(entry: NewEntry): void {
  if (!CURRENCY.test(entry.currency)) throw new LedgerError(`"${entry.currency}" is not an ISO 4217 code`);
  if (entry.lines.length < 2) throw new LedgerError('an entry needs at least two lines');
  const seen = new Set<string>();
  let sum = 0;
  for (const { account, amount } of entry.lines) {
    if (!Number.isSafeInteger(amount) || amount === 0) {
      throw new LedgerError(`line amounts are non-zero whole minor units, got ${amount}`);
    }
    if (account.currency !== entry.currency) {
      throw new LedgerError(`account ${keyOf(account)} is not in the entry's currency ${entry.currency}`);
    }
    if (seen.has(keyOf(account))) throw new LedgerError(`account ${keyOf(account)} appears twice`);
    seen.add(keyOf(account));
    sum += amount;
  }
  if (sum !== 0) throw new LedgerError(`an entry must balance; its lines sum to ${sum}`);
}

export class LedgerService {
  constructor(private readonly deps: { db: Db; ledger: LedgerRepository }) {}

  /**
   * Books one balanced entry. With `tx` it joins the caller's transaction (so that the entry commits
   * with whatever else the caller writes, e.g. a payment's status and its durable event); without, it
   * is one atomic statement of its own.
   */
  async transfer(entry: NewEntry, tx?: Db): Promise<PostedEntry> {
    assertBalanced(entry);
    // Posting is one statement, atomic on its own: no transaction of its own (two round trips fewer).
    return this.deps.ledger.post(tx ?? this.deps.db, entry);
  }

  /**
   * Books several balanced entries in one statement, so one round trip and one commit (one WAL flush)
   * carry them all: group commit for a writer with a queue of movements. Each entry stays its own
   * balanced, immutable entry with its own lines; an account in several of them moves once per entry,
   * in the order given. All or nothing: if one entry cannot be booked, none is.
   */
  async transferMany(entries: readonly NewEntry[], tx?: Db): Promise<PostedEntry[]> {
    for (const entry of entries) assertBalanced(entry);
    return this.deps.ledger.postMany(tx ?? this.deps.db, entries);
  }

  /**
   * Posts a `partial_refund` entry that `reverses` part of `entryId` (see `partialRefundLines`). The
   * caller holds the payment's row lock and keeps its `amount_refunded`, which is what keeps partial
   * refunds from adding up to more than the payment.
   */
  async refundPart(
    entryId: string,
    part: RefundedPart,
    options: { description?: string },
    tx: Db,
  ): Promise<PostedEntry> {
    const original = await this.deps.ledger.entry(tx, entryId);
    if (!original) throw new LedgerError(`no ledger entry ${entryId}`);
    const existing = await this.deps.ledger.reversalOf(tx, entryId);
    if (existing) throw new AlreadyReversedError(entryId, existing);
    const entry: NewEntry = {
      kind: 'partial_refund',
      currency: original.currency,
      paymentId: original.paymentId ?? undefined,
      reverses: original.id,
      description: options.description,
      lines: partialRefundLines(original, part),
    };
    assertBalanced(entry);
    return this.deps.ledger.post(tx, entry);
  }

  /**
   * Posts the reversing entry of `entryId`: the same accounts, every amount negated, `reverses` set.
   * A second reversal of the same entry throws AlreadyReversedError (a unique index backs this up
   * against a concurrent one).
   */
  async reverse(
    entryId: string,
    options: { kind: string; description?: string },
    tx?: Db,
  ): Promise<PostedEntry> {
    const run = async (own: Db) => {
      const original = await this.deps.ledger.entry(own, entryId);
      if (!original) throw new LedgerError(`no ledger entry ${entryId}`);
      const existing = await this.deps.ledger.reversalOf(own, entryId);
      if (existing) throw new AlreadyReversedError(entryId, existing);
      const entry: NewEntry = {
        kind: options.kind,
        currency: original.currency,
        paymentId: original.paymentId ?? undefined,
        reverses: original.id,
        description: options.description,
        lines: original.lines.map(({ account, amount }) => ({ account, amount: -amount })),
      };
      assertBalanced(entry);
      return this.deps.ledger.post(own, entry);
    };
    return tx ? run(tx) : this.deps.db.transaction(run);
  }
}
