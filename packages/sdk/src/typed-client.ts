// The typed SDK: one camelCase method per catalogue action, its types and its methods both derived from the catalogue.
import { type ActionInput, type ActionName, type ActionOutput, actionNames } from "@sgplane/catalogue";
import { type CallOptions, Client, type ClientOptions } from "./client.ts";
import { FeedFollower, type FollowOptions } from "./follow.ts";

export interface ResponseMetadata {
  /** X-UCloud-Request-UUID of the answering request: quote it when reporting a problem. */
  readonly requestId: string | undefined;
  readonly attempts: number;
}

/** What a method resolves to: the action's output fields, plus metadata that JSON.stringify leaves out. */
export type ActionResult<A extends ActionName> = ActionOutput<A> & { readonly $metadata: ResponseMetadata };

export type MethodName<A extends ActionName> = Uncapitalize<A>;

// An action whose fields are all optional (DescribeSecGroup, AdminReset) may be called with no argument at all.
type MethodArgs<A extends ActionName> =
  Partial<ActionInput<A>> extends ActionInput<A>
    ? [input?: ActionInput<A>, options?: CallOptions]
    : [input: ActionInput<A>, options?: CallOptions];

export type ActionMethods = {
  readonly [A in ActionName as MethodName<A>]: (...args: MethodArgs<A>) => Promise<ActionResult<A>>;
};

export function methodName<A extends ActionName>(action: A): MethodName<A> {
  return `${action.charAt(0).toLowerCase()}${action.slice(1)}` as MethodName<A>;
}

class TypedClient extends Client {
  /** The typed call behind every generated method; also usable with an action name chosen at run time. */
  async invoke<A extends ActionName>(
    action: A,
    input?: ActionInput<A>,
    options?: CallOptions,
  ): Promise<ActionResult<A>> {
    const { envelope, requestId, attempts } = await this.execute(action, input ?? {}, options);
    const { Action: _action, RetCode: _retCode, Message: _message, ...output } = envelope;
    Object.defineProperty(output, "$metadata", { value: { requestId, attempts }, enumerable: false });
    return output as unknown as ActionResult<A>;
  }

  /**
   * Follows the change feed: `for await (const event of client.followEvents({ after }))`. Long-polls
   * DescribeFeedEvents, resumes by itself after transient failures (no event skipped or repeated), throws
   * FeedCursorExpiredError when the cursor has expired (take a snapshot again); `break` or `signal` ends it.
   */
  followEvents(options: FollowOptions = {}): FeedFollower {
    return new FeedFollower(this, options);
  }
}

for (const action of actionNames) {
  Object.defineProperty(TypedClient.prototype, methodName(action), {
    value(this: TypedClient, input?: ActionInput<typeof action>, options?: CallOptions) {
      return this.invoke(action, input, options);
    },
  });
}

export type SgplaneClient = TypedClient & ActionMethods;

/** `new SgplaneClient({ baseUrl, publicKey, privateKey, region })`, then `client.describeSecGroup()` etc. */
export const SgplaneClient = TypedClient as new (options: ClientOptions) => SgplaneClient;

export function createClient(options: ClientOptions): SgplaneClient {
  return new SgplaneClient(options);
}
