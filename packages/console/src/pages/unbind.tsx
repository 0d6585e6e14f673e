// Unbinding with the last-group check done before sending: a SecGroup-mode resource must keep one group, so the
// console names the resources an unbind would leave bare and sends Force only once the user confirmed it.
import { useEffect, useState } from "preact/hooks";
import type { Api } from "../api/client.ts";
import type { CallScope } from "../api/sign.ts";
import { useApp, useSingleFlight } from "../app-context.ts";
import { Alert, Dialog } from "../ui/widgets.tsx";

/** DisassociateSecGroup's Force, as UCloud's page for the action explains it (shared/seed/DisassociateSecGroup.md). */
export const FORCE_EXPLANATION =
  "A resource in security-group mode must keep at least one security group, so normally its last group cannot " +
  "be unbound. Force unbinds it anyway: it is meant for unbinding before the resource is deleted. Until another " +
  "group is bound, nothing filters the resource's traffic by security group.";
export const FORCE_ORIGINAL =
  "是否强制解绑。默认为 false。为 true 表示强制解绑，用于删除资源前的解绑，因为开启安全组特性的资源至少绑定一个安全组，正常情况下是不允许解绑所有安全组。";

export interface UnbindTarget {
  readonly ResourceId: string;
  readonly Name: string;
}

/** The targets that would be left with no group if the given groups were taken off them. */
export async function wouldLoseLastGroup(
  api: Api,
  scope: CallScope,
  groupIds: readonly string[],
  resourceIds: readonly string[],
): Promise<string[]> {
  if (resourceIds.length === 0) return [];
  const found = await api.call("DescribeResourceSecGroup", { ResourceId: [...resourceIds] }, scope);
  const removing = new Set(groupIds);
  return found.DataSet.filter(
    (r) => r.PermitAssociate && r.SecGroupInfo.length > 0 && r.SecGroupInfo.every((g) => removing.has(g.SecGroupId)),
  ).map((r) => r.ResourceId);
}

/**
 * Unbinds one group from the chosen resources (all of its resources when whole): checks first, then either sends
 * at once or asks for Force, naming the resources and why.
 */
export function UnbindDialog(props: {
  readonly scope: CallScope;
  readonly groupId: string;
  readonly targets: readonly UnbindTarget[];
  readonly whole: boolean;
  readonly onDone: (message: string) => void;
  readonly onClose: () => void;
}) {
  const { api } = useApp();
  const [bare, setBare] = useState<string[] | undefined>();
  const [error, setError] = useState<unknown>();
  const { busy, run } = useSingleFlight();
  const ids = props.targets.map((t) => t.ResourceId);

  const send = (force: boolean) =>
    run(async () => {
      setError(undefined);
      try {
        await api.call(
          "DisassociateSecGroup",
          {
            SecGroupId: [props.groupId],
            ...(!props.whole && { ResourceId: ids }),
            ...(force && { Force: true }),
          },
          props.scope,
        );
        props.onDone(`Unbound ${props.groupId} from ${ids.length} resource(s).`);
      } catch (e) {
        setError(e);
      }
    });
  useEffect(() => {
    wouldLoseLastGroup(api, props.scope, [props.groupId], ids).then(setBare, setError);
  }, []);

  const names = (list: readonly string[]) =>
    props.targets.filter((t) => list.includes(t.ResourceId)).map((t) => `${t.Name} (${t.ResourceId})`);

  return (
    <Dialog title={`Unbind ${props.groupId}`} onClose={props.onClose}>
      <p>
        Unbind {props.groupId} from: {names(ids).join(", ")}.
      </p>
      {bare === undefined && error === undefined && <p role="status">Checking each resource's other groups…</p>}
      {bare !== undefined && bare.length === 0 && <p>Every one of them keeps at least one other group.</p>}
      {bare !== undefined && bare.length > 0 && (
        <div class="warning" role="alert">
          <p>
            <strong>This is the last security group of {names(bare).join(", ")}.</strong> The server refuses to leave
            them with none (RetCode 58208) unless the unbind is forced.
          </p>
          <p>{FORCE_EXPLANATION}</p>
          <p lang="zh">UCloud: “{FORCE_ORIGINAL}”</p>
        </div>
      )}
      {error !== undefined && <Alert error={error} />}
      <div class="buttons">
        {bare !== undefined && bare.length === 0 && (
          <button type="button" class="primary" disabled={busy} onClick={() => void send(false)}>
            Unbind
          </button>
        )}
        {bare !== undefined && bare.length > 0 && (
          <button type="button" class="danger" disabled={busy} onClick={() => void send(true)}>
            Unbind with Force
          </button>
        )}
        <button type="button" onClick={props.onClose} disabled={busy}>
          Cancel
        </button>
      </div>
      {busy && <p role="status">Sending…</p>}
    </Dialog>
  );
}
