export default function Home() {
  return <main><h1>edgetrader</h1></main>;
}
