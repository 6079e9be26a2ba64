/**
 * The connected-accounts side of a payment provider (Stripe Connect): creators onboard to an account of
 * their own at the provider, destination charges pay into it, and the provider pays it out to their
 * bank. Adapters turn their provider's accounts, links and payout events into these shapes.
 */

export interface CreateConnectedAccountInput {
  channelId: string;
  /** Pre-fills the provider's form; the creator can change it there. */
  email: string | undefined;
  /** Sent with the call, so two clicks cannot open two accounts for one channel. */
  idempotencyKey: string;
}

/** What the provider says an account may do now. */
export interface ConnectedAccountState {
  accountId: string;
  chargesEnabled: boolean;
  payoutsEnabled: boolean;
  detailsSubmitted: boolean;
}

export interface OnboardingLinkInput {
  accountId: string;
  /** Where the provider sends the creator once they leave its form (finished or not). */
  returnUrl: string;
  /** Where the provider sends the creator when the link expired or was used: it asks for a new one. */
  refreshUrl: string;
}

export interface OnboardingLink {
  url: string;
  expiresAt: Date;
}

/** What a connected account's event means for us (part of the port's ProviderEvent). */
export type ConnectEvent =
  | ({
      /** The account's abilities changed; `reportedAt` orders reports that arrive out of order. */
      kind: 'account_updated';
      reportedAt: Date;
    } & ConnectedAccountState)
  | {
      /** The provider paid (or failed to pay) a connected account's balance out to its bank. */
      kind: 'payout_paid' | 'payout_failed';
      accountId: string;
      payoutId: string;
      amount: number;
      currency: string;
      arrivalDate: Date | null;
    };

/** A provider whose creators hold connected accounts (Stripe Connect Express). */
export interface ConnectProvider {
  createConnectedAccount(input: CreateConnectedAccountInput): Promise<ConnectedAccountState>;
  createOnboardingLink(input: OnboardingLinkInput): Promise<OnboardingLink>;
  retrieveConnectedAccount(accountId: string): Promise<ConnectedAccountState>;
}
