// The parts of the official SignalR client the web app uses, bundled as one ES module.
export { HubConnectionBuilder, HubConnectionState, HttpTransportType, LogLevel } from "@microsoft/signalr";
export { MessagePackHubProtocol } from "@microsoft/signalr-protocol-msgpack";
