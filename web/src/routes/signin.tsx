import AuthForm from "~/components/AuthForm";
import { api } from "~/lib/api";

export default function SignIn() {
  return <AuthForm mode="signin" submit={api.login} />;
}
