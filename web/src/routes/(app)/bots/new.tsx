import { A, useNavigate } from "@solidjs/router";
import BotForm from "~/components/BotForm";
import { api } from "~/lib/api";

export default function NewBot() {
  const navigate = useNavigate();
  return (
    <>
      <div class="page-head">
        <h1>New bot</h1>
        <A href="/bots" class="btn btn-ghost">
          Back to bots
        </A>
      </div>
      <p class="lead">
        The bot starts inactive. Next, upload an ONNX model for each timeframe (or train one), check its prediction,
        then activate it.
      </p>
      <div class="card">
        <BotForm
          submitLabel="Create bot"
          onSubmit={async (v) => {
            const bot = await api.bots.create(v);
            navigate(`/bots/${bot.id}`);
          }}
          onCancel={() => navigate("/bots")}
        />
      </div>
    </>
  );
}
