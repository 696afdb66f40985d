import AuthForm from "~/components/AuthForm";
import { api } from "~/lib/api";

export default function SignUp() {
  return <AuthForm mode="signup" submit={api.register} />;
}
