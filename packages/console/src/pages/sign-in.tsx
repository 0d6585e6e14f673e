// Sign-in: the key pair is checked with one signed call and kept in sessionStorage; the private key is never sent.
import { useState } from "preact/hooks";
import { Api } from "../api/client.ts";
import type { Session } from "../api/session.ts";
import { useSingleFlight } from "../app-context.ts";
import { Field } from "../ui/widgets.tsx";
import { loadWorld, signInRefusal, type World } from "../world.ts";

export function SignIn(props: { readonly baseUrl: string; readonly onSignedIn: (s: Session, w: World) => void }) {
  const [publicKey, setPublicKey] = useState("");
  const [privateKey, setPrivateKey] = useState("");
  const [refusal, setRefusal] = useState<string | undefined>();
  const { busy, run } = useSingleFlight();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      setRefusal(undefined);
      const key = { publicKey: publicKey.trim(), privateKey: privateKey.trim() };
      try {
        const world = await loadWorld(new Api({ baseUrl: props.baseUrl, key }));
        props.onSignedIn(
          { ...key, role: world.role, ...(world.companyId !== undefined && { companyId: world.companyId }) },
          world,
        );
      } catch (error) {
        setRefusal(signInRefusal(error));
      }
    });
  };
  return (
    <main class="signin" id="main">
      <h1>sgplane console</h1>
      <p>
        Sign in with an API key pair. Every request is signed in this browser; the private key stays in this tab's
        session storage and is never sent.
      </p>
      <form onSubmit={submit}>
        <Field label="Public key" value={publicKey} onValue={setPublicKey} required autoComplete="username" />
        <Field
          label="Private key"
          type="password"
          value={privateKey}
          onValue={setPrivateKey}
          required
          autoComplete="current-password"
        />
        {refusal !== undefined && (
          <div class="alert" role="alert">
            <strong>Sign-in refused. </strong>
            {refusal}
          </div>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
