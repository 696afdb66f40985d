//+------------------------------------------------------------------+
//|                                            EdgetraderBridge.mq5  |
//| Bridges this MetaTrader 5 terminal to the edgetrader connector:  |
//| a TCP client of the connector on 127.0.0.1 speaking JSON lines   |
//| (docs/CONNECTOR_PROTOCOL.md, part 2, protocol 2). Thin on        |
//| purpose: each request is one MT5 operation answered with the raw |
//| facts; the connector (TypeScript, tested) decides what they mean.|
//| Reference facts each call relies on: connector/mql5/README.md.   |
//+------------------------------------------------------------------+
#property copyright   "edgetrader"
#property version     "2.00"
#property description "Connects to the edgetrader connector on 127.0.0.1 and executes its orders (hedging accounts only)."
#property description "Add 127.0.0.1 to Tools > Options > Expert Advisors > 'Allow WebRequest for listed URL' and enable Algo Trading."

input uint   InpPort            = 5555;  // connector mt5BridgePort
input string InpSecret          = "";    // the connector's eaSecret (16+ characters)
input uint   InpDeviation       = 20;    // default max slippage, points
input uint   InpSyncSettleMs    = 5000;  // connected this long (same login) before the lists count as synced
input uint   InpRequoteAttempts = 2;     // OrderSend calls per request on REQUOTE / PRICE_CHANGED / PRICE_OFF
input uint   InpTimerMs         = 50;    // socket poll interval

#define EA_VERSION      "2.0.0"
#define EA_PROTOCOL     2
#define HOST            "127.0.0.1"      // loopback only: no host input on purpose
#define LOCK_NAME       "EdgetraderBridge.lock"
#define MAX_LINE_BYTES  (4*1024*1024)
#define MAX_RATES       5000
#define MAX_BAR_SUBS    64
#define IDEMPOTENCY_DAYS 7

int     g_sock = INVALID_HANDLE;
uchar   g_rx[];                 // received bytes not yet ending in '\n'
ulong   g_lastConnectTry = 0;
ulong   g_connectBackoffMs = 1000;
ulong   g_lastPositionsPoll = 0;
ulong   g_lastAccountPush = 0;
bool    g_positionsDirty = false;
string  g_positionsSig = "";
int     g_lastConnectError = 0;
bool    g_locked = false;
// Terminal state as last reported, and since when the terminal has been connected with this login.
long    g_login = 0;
ulong   g_connectedSince = 0;
string  g_stateSig = "";
// subscribe_bars pairs and the open time (server time) of the bar forming when last checked.
string          g_subSym[];
string          g_subTf[];
ENUM_TIMEFRAMES g_subPeriod[];
datetime        g_subForming[];
// The connector's last notice for the person at the terminal (e.g. the server refused it).
string          g_notice = "";

//+------------------------------------------------------------------+
int OnInit()
  {
   if(StringLen(InpSecret) < 16)
     {
      Alert("EdgetraderBridge: set InpSecret to the connector's eaSecret (16+ characters)");
      return(INIT_PARAMETERS_INCORRECT);
     }
   // One instance per terminal: a temporary global variable holds the owning chart's id.
   GlobalVariableTemp(LOCK_NAME);
   if(!GlobalVariableSetOnCondition(LOCK_NAME, (double)ChartID(), 0.0) && GlobalVariableGet(LOCK_NAME) != (double)ChartID())
     {
      Alert("EdgetraderBridge: already running on another chart of this terminal; remove one");
      return(INIT_FAILED);
     }
   g_locked = true;
   if(AccountInfoInteger(ACCOUNT_LOGIN) != 0 && !IsHedging())
     {
      Alert("EdgetraderBridge: account ", AccountInfoInteger(ACCOUNT_LOGIN), " is a netting account; edgetrader trades hedging accounts only");
      return(INIT_FAILED);
     }
   if(!EventSetMillisecondTimer(InpTimerMs))
     {
      Print("EdgetraderBridge: cannot start the timer, error ", GetLastError());
      return(INIT_FAILED);
     }
   Print("EdgetraderBridge ", EA_VERSION, ": connecting to ", HOST, ":", InpPort);
   return(INIT_SUCCEEDED);
  }

void OnDeinit(const int reason)
  {
   EventKillTimer();
   Disconnect("EA removed");
   if(g_locked)
      GlobalVariableSetOnCondition(LOCK_NAME, 0.0, (double)ChartID());
  }

//+------------------------------------------------------------------+
//| Everything socket-related happens here: MQL5 has no socket event.|
//+------------------------------------------------------------------+
void OnTimer()
  {
   TrackConnection();
   if(g_sock == INVALID_HANDLE && !TryConnect())
      return;
   if(!ReadAndDispatch())
      return;
   string sig = StateJson();
   if(sig != g_stateSig)
     {
      g_stateSig = sig;
      SendLine("{\"event\":\"terminal\"," + sig + "}");
      g_positionsDirty = true;
     }
   ulong now = GetTickCount64();
   if(g_positionsDirty || now - g_lastPositionsPoll >= 1000)
     {
      // Polling as well as OnTradeTransaction: SL/TP hits and manual trades are caught either way.
      g_lastPositionsPoll = now;
      g_positionsDirty = false;
      string psig = PositionsSignature();
      if(psig != g_positionsSig && IsSynced())
        {
         g_positionsSig = psig;
         SendLine("{\"event\":\"positions\",\"synced\":true,\"positions\":" + PositionsJson() + "}");
        }
     }
   CheckBars();
   if(now - g_lastAccountPush >= 5000)
     {
      g_lastAccountPush = now;
      SendLine("{\"event\":\"account\",\"account\":" + AccountJson() + "," + StateJsonAs("terminal_connected") + "}");
     }
  }

void OnTradeTransaction(const MqlTradeTransaction &trans, const MqlTradeRequest &request, const MqlTradeResult &result)
  {
   if(trans.type == TRADE_TRANSACTION_DEAL_ADD)
     {
      if(g_sock != INVALID_HANDLE && HistoryDealSelect(trans.deal))
        {
         string deal = DealJson(trans.deal);
         if(deal != "")
            SendLine("{\"event\":\"deal\",\"deal\":" + deal + "}");
        }
      g_positionsDirty = true;
     }
   else if(trans.type == TRADE_TRANSACTION_POSITION)
      g_positionsDirty = true;
  }

//+------------------------------------------------------------------+
//| Terminal state                                                   |
//+------------------------------------------------------------------+
bool IsHedging()
  {
   return((ENUM_ACCOUNT_MARGIN_MODE)AccountInfoInteger(ACCOUNT_MARGIN_MODE) == ACCOUNT_MARGIN_MODE_RETAIL_HEDGING);
  }

string MarginMode()
  {
   ENUM_ACCOUNT_MARGIN_MODE m = (ENUM_ACCOUNT_MARGIN_MODE)AccountInfoInteger(ACCOUNT_MARGIN_MODE);
   if(m == ACCOUNT_MARGIN_MODE_RETAIL_HEDGING)
      return("hedging");
   return(m == ACCOUNT_MARGIN_MODE_EXCHANGE ? "exchange" : "netting");
  }

//| Connected since when, with which login: a login change is an account switch (new hello). |
void TrackConnection()
  {
   bool connected = TerminalInfoInteger(TERMINAL_CONNECTED) != 0;
   long login = AccountInfoInteger(ACCOUNT_LOGIN);
   if(login != g_login)
     {
      if(g_login != 0 && g_sock != INVALID_HANDLE)
         Disconnect("account changed to " + IntegerToString(login));
      g_login = login;
      g_connectedSince = 0;
     }
   if(!connected)
      g_connectedSince = 0;
   else if(g_connectedSince == 0)
      g_connectedSince = GetTickCount64();
  }

//| MT5 has no "synced" flag: connected with this login for InpSyncSettleMs and HistorySelect works. |
bool IsSynced()
  {
   if(g_connectedSince == 0 || g_login == 0 || GetTickCount64() - g_connectedSince < InpSyncSettleMs)
      return(false);
   return(HistorySelect(0, TimeCurrent() + 86400));
  }

bool TradeAllowed()
  {
   return(TerminalInfoInteger(TERMINAL_TRADE_ALLOWED) != 0 && MQLInfoInteger(MQL_TRADE_ALLOWED) != 0
          && AccountInfoInteger(ACCOUNT_TRADE_EXPERT) != 0 && AccountInfoInteger(ACCOUNT_TRADE_ALLOWED) != 0);
  }

string StateJsonAs(const string connectedKey)
  {
   return("\"" + connectedKey + "\":" + Bool(TerminalInfoInteger(TERMINAL_CONNECTED) != 0)
          + ",\"synced\":" + Bool(IsSynced()) + ",\"trade_allowed\":" + Bool(TradeAllowed()));
  }

string StateJson()
  {
   return(StateJsonAs("connected"));
  }

//| Why this EA may not send an order now ("" if it may).           |
string TradingProblem()
  {
   if(TerminalInfoInteger(TERMINAL_CONNECTED) == 0)
      return("the terminal is not connected to its trade server");
   if(!IsSynced())
      return("the terminal has not synced with its trade server yet");
   if(!TradeAllowed())
      return("trading is not allowed (Algo Trading off, or not allowed for this EA/account)");
   return("");
  }

//+------------------------------------------------------------------+
//| Link                                                             |
//+------------------------------------------------------------------+
bool TryConnect()
  {
   ulong now = GetTickCount64();
   if(now - g_lastConnectTry < g_connectBackoffMs)
      return(false);
   g_lastConnectTry = now;
   int s = SocketCreate();
   if(s == INVALID_HANDLE)
     {
      Print("EdgetraderBridge: SocketCreate failed, error ", GetLastError());
      return(false);
     }
   if(!SocketConnect(s, HOST, InpPort, 1000))
     {
      int err = GetLastError();
      if(err != g_lastConnectError) // log each new reason once, not every second
        {
         g_lastConnectError = err;
         if(err == 4014) // ERR_FUNCTION_NOT_ALLOWED: the address is not in the allowed list
            Print("EdgetraderBridge: ", HOST, " is not allowed; add it under Tools > Options > Expert Advisors");
         else
            Print("EdgetraderBridge: cannot reach the connector at ", HOST, ":", InpPort, " (error ", err, "); is it running?");
        }
      SocketClose(s);
      return(false);
     }
   g_sock = s;
   g_lastConnectError = 0;
   g_connectBackoffMs = 1000;
   ArrayResize(g_rx, 0);
   g_positionsSig = PositionsSignature();
   g_stateSig = StateJson();
   g_lastAccountPush = now;
   Print("EdgetraderBridge: connected to the connector");
   string t = "{\"name\":" + Str(TerminalInfoString(TERMINAL_NAME))
              + ",\"company\":" + Str(AccountInfoString(ACCOUNT_COMPANY))
              + ",\"server\":" + Str(AccountInfoString(ACCOUNT_SERVER))
              + ",\"login\":" + Str(IntegerToString(AccountInfoInteger(ACCOUNT_LOGIN)))
              + ",\"margin_mode\":" + Str(MarginMode()) + "," + g_stateSig + "}";
   // The hello goes first: the connector ignores everything before it and refuses a wrong secret.
   if(!SendLine("{\"event\":\"hello\",\"protocol\":" + IntegerToString(EA_PROTOCOL) + ",\"ea_version\":" + Str(EA_VERSION)
                + ",\"secret\":" + Str(InpSecret) + ",\"terminal\":" + t + "}"))
      return(false);
   bool synced = IsSynced();
   SendLine("{\"event\":\"positions\",\"synced\":" + Bool(synced) + ",\"positions\":" + (synced ? PositionsJson() : "[]") + "}");
   SendLine("{\"event\":\"account\",\"account\":" + AccountJson() + "," + StateJsonAs("terminal_connected") + "}");
   return(g_sock != INVALID_HANDLE);
  }

void Disconnect(const string why)
  {
   if(g_sock == INVALID_HANDLE)
      return;
   SocketClose(g_sock);
   g_sock = INVALID_HANDLE;
   ArrayResize(g_rx, 0);
   // The connector renews its subscriptions after the next hello.
   ArrayResize(g_subSym, 0);
   ArrayResize(g_subTf, 0);
   ArrayResize(g_subPeriod, 0);
   ArrayResize(g_subForming, 0);
   Print("EdgetraderBridge: disconnected (", why, ")");
  }

//| Sends one line; the connector re-asks anything lost on a drop.  |
bool SendLine(const string line)
  {
   if(g_sock == INVALID_HANDLE)
      return(false);
   uchar data[];
   int len = StringToCharArray(line + "\n", data, 0, WHOLE_ARRAY, CP_UTF8) - 1; // drop the terminating 0
   while(len > 0)
     {
      int sent = SocketSend(g_sock, data, (uint)len);
      if(sent <= 0)
        {
         Disconnect("send failed, error " + IntegerToString(GetLastError()));
         return(false);
        }
      if(sent < len)
         ArrayRemove(data, 0, sent);
      len -= sent;
     }
   return(true);
  }

//| Reads what arrived and handles each complete line in order.     |
//| SocketIsReadable may answer a dummy 1 on an empty buffer and the  |
//| SocketRead then times out: that is "no data", not a broken link.  |
bool ReadAndDispatch()
  {
   if(!SocketIsConnected(g_sock))
     {
      Disconnect("connector closed the link");
      return(false);
     }
   uint avail = SocketIsReadable(g_sock);
   if(avail > 0)
     {
      uchar buf[];
      ResetLastError();
      int n = SocketRead(g_sock, buf, avail, 10);
      if(n < 0)
        {
         if(!SocketIsConnected(g_sock))
           {
            Disconnect("read failed, error " + IntegerToString(GetLastError()));
            return(false);
           }
         n = 0;   // timed out on a speculative 1: nothing to read yet
        }
      int old = ArraySize(g_rx);
      ArrayResize(g_rx, old + n);
      if(n > 0)
         ArrayCopy(g_rx, buf, old, 0, n);
     }
   for(;;)
     {
      int nl = -1;
      int size = ArraySize(g_rx);
      for(int i = 0; i < size; i++)
         if(g_rx[i] == 10) { nl = i; break; }
      if(nl < 0)
        {
         if(size > MAX_LINE_BYTES)
           {
            Disconnect("line too long");
            return(false);
           }
         break;
        }
      string line = nl > 0 ? CharArrayToString(g_rx, 0, nl, CP_UTF8) : "";
      ArrayRemove(g_rx, 0, nl + 1);
      StringTrimLeft(line);
      StringTrimRight(line);
      if(line != "")
         HandleLine(line);
      if(g_sock == INVALID_HANDLE)
         return(false);
     }
   return(true);
  }

//+------------------------------------------------------------------+
//| Requests: flat JSON objects {"id":..,"op":..,...}                |
//+------------------------------------------------------------------+
void HandleLine(const string line)
  {
   string keys[], vals[];
   if(!ParseFlat(line, keys, vals))
     {
      // {"event":"refused","reason":...}: wrong secret/account or another EA is linked. Back off.
      if(StringFind(line, "\"refused\"") >= 0)
        {
         Print("EdgetraderBridge: the connector refused this EA: ", line);
         g_connectBackoffMs = 10000;
         Disconnect("refused by the connector");
        }
      return;
     }
   string id = JGet(keys, vals, "id", "");
   string op = JGet(keys, vals, "op", "");
   if(id == "")
      return;
   string body;
   if(op == "ping")            body = "\"ok\":true,\"time_msc\":" + IntegerToString(NowUtcMs());
   else if(op == "account")   body = "\"ok\":true,\"account\":" + AccountJson() + "," + StateJsonAs("terminal_connected");
   else if(op == "positions") body = IsSynced() ? "\"ok\":true,\"synced\":true,\"positions\":" + PositionsJson() : "\"ok\":true,\"synced\":false,\"positions\":[]";
   else if(op == "orders")    body = IsSynced() ? "\"ok\":true,\"synced\":true,\"orders\":" + OrdersJson() : "\"ok\":true,\"synced\":false,\"orders\":[]";
   else if(op == "history")   body = OpHistory(keys, vals);
   else if(op == "symbol")    body = OpSymbol(keys, vals);
   else if(op == "open")      body = OpOpen(keys, vals);
   else if(op == "close")     body = OpClose(keys, vals);
   else if(op == "modify")    body = OpModify(keys, vals);
   else if(op == "rates")     body = OpRates(keys, vals);
   else if(op == "subscribe_bars") body = OpSubscribeBars(keys, vals);
   else if(op == "notice")    body = OpNotice(keys, vals);
   else                       body = ErrorBody("invalid", "unknown op " + op, "");
   SendLine("{\"id\":" + Str(id) + "," + body + "}");
  }

string ErrorBody(const string code, const string message, const string retcode)
  {
   string e = "\"ok\":false,\"error\":{\"code\":" + Str(code) + ",\"message\":" + Str(message);
   if(retcode != "")
      e += ",\"retcode\":" + Str(retcode);
   return(e + "}");
  }

//+------------------------------------------------------------------+
//| Trading: checks before OrderSend, then the raw facts             |
//+------------------------------------------------------------------+
//| A refusal before any OrderSend ("" if the request may go).      |
string Refusal(string &keys[], string &vals[])
  {
   long deadline = StringToInteger(JGet(keys, vals, "deadline_ms", "0"));
   if(deadline <= 0 || NowUtcMs() > deadline)
      return(ErrorBody("expired", "past its deadline; not sent", ""));
   string why = TradingProblem();
   if(why != "")
      return(ErrorBody("terminal_unavailable", why, ""));
   if(!IsHedging())
      return(ErrorBody("rejected", "netting account: edgetrader trades hedging accounts only", ""));
   return("");
  }

ENUM_ORDER_TYPE_FILLING Filling(const string f)
  {
   if(f == "IOC")
      return(ORDER_FILLING_IOC);
   if(f == "RETURN")
      return(ORDER_FILLING_RETURN);
   return(ORDER_FILLING_FOK);
  }

bool CommentMatches(const string have, const string want)
  {
   return(have == "" || have == want || StringFind(want, have) == 0 || StringFind(have, want) == 0);
  }

//| The ticket of the open position with this identifier ("0": not listed yet). |
ulong TicketOfIdentifier(const ulong identifier)
  {
   int total = PositionsTotal();
   for(int i = 0; i < total; i++)
     {
      ulong t = PositionGetTicket(i);
      if(t != 0 && (ulong)PositionGetInteger(POSITION_IDENTIFIER) == identifier)
         return(t);
     }
   return(0);
  }

//| TradeFacts (docs/CONNECTOR_PROTOCOL.md): what OrderSend answered and what the terminal holds. |
string Facts(const uint retcode, const MqlTradeResult &res, const int lastError, const int attempts, const bool existing,
             ulong order, ulong deal, ulong identifier, double price, double volume, const string sym)
  {
   int digits = sym != "" ? (int)SymbolInfoInteger(sym, SYMBOL_DIGITS) : 8;
   long tms = NowUtcMs();
   if(deal > 0 && HistoryDealSelect(deal))
     {
      identifier = (ulong)HistoryDealGetInteger(deal, DEAL_POSITION_ID);
      price = HistoryDealGetDouble(deal, DEAL_PRICE);
      volume = HistoryDealGetDouble(deal, DEAL_VOLUME);
      tms = ServerMsToUtc(HistoryDealGetInteger(deal, DEAL_TIME_MSC));
     }
   ulong ticket = identifier > 0 ? TicketOfIdentifier(identifier) : 0;
   double sl = 0, tp = 0;
   if(ticket > 0 && PositionSelectByTicket(ticket))
     {
      sl = PositionGetDouble(POSITION_SL);
      tp = PositionGetDouble(POSITION_TP);
     }
   string f = "\"ok\":true,\"retcode\":" + IntegerToString(retcode)
              + ",\"order\":" + Str(U64(order)) + ",\"deal\":" + Str(U64(deal))
              + ",\"position\":" + Str(U64(identifier)) + ",\"position_ticket\":" + Str(U64(ticket))
              + ",\"price\":" + DoubleToString(price, digits) + ",\"volume\":" + DoubleToString(volume, 8)
              + ",\"sl\":" + DoubleToString(sl, digits) + ",\"tp\":" + DoubleToString(tp, digits)
              + ",\"time_msc\":" + IntegerToString(tms) + ",\"attempts\":" + IntegerToString(attempts);
   if(res.retcode_external != 0)
      f += ",\"retcode_external\":" + IntegerToString(res.retcode_external);
   if(res.comment != "")
      f += ",\"server_comment\":" + Str(StringSubstr(res.comment, 0, 200));
   if(lastError != 0)
      f += ",\"last_error\":" + IntegerToString(lastError);
   if(existing)
      f += ",\"existing\":true";
   return(f);
  }

//| EA-side idempotency: an order, position or deal with this magic and comment is already there. |
string Existing(const ulong magic, const string comment, const bool opening, const string sym)
  {
   MqlTradeResult none;
   ZeroMemory(none);
   if(opening)
     {
      int total = PositionsTotal();
      for(int i = 0; i < total; i++)
        {
         ulong t = PositionGetTicket(i);
         if(t != 0 && (ulong)PositionGetInteger(POSITION_MAGIC) == magic && CommentMatches(PositionGetString(POSITION_COMMENT), comment))
            return(Facts(TRADE_RETCODE_DONE, none, 0, 0, true, 0, 0, (ulong)PositionGetInteger(POSITION_IDENTIFIER),
                         PositionGetDouble(POSITION_PRICE_OPEN), PositionGetDouble(POSITION_VOLUME), PositionGetString(POSITION_SYMBOL)));
        }
      int orders = OrdersTotal();
      for(int i = 0; i < orders; i++)
        {
         ulong o = OrderGetTicket(i);
         if(o != 0 && (ulong)OrderGetInteger(ORDER_MAGIC) == magic && CommentMatches(OrderGetString(ORDER_COMMENT), comment))
            return(Facts(TRADE_RETCODE_PLACED, none, 0, 0, true, o, 0, 0, 0, 0, OrderGetString(ORDER_SYMBOL)));
        }
     }
   if(!HistorySelect(TimeCurrent() - IDEMPOTENCY_DAYS * 86400, TimeCurrent() + 86400))
      return("");
   int deals = HistoryDealsTotal();
   for(int i = deals - 1; i >= 0; i--)
     {
      ulong d = HistoryDealGetTicket(i);
      if(d == 0 || (ulong)HistoryDealGetInteger(d, DEAL_MAGIC) != magic || !CommentMatches(HistoryDealGetString(d, DEAL_COMMENT), comment))
         continue;
      long e = HistoryDealGetInteger(d, DEAL_ENTRY);
      bool wanted = opening ? (e == DEAL_ENTRY_IN || e == DEAL_ENTRY_INOUT) : (e == DEAL_ENTRY_OUT || e == DEAL_ENTRY_OUT_BY);
      if(wanted)
         return(Facts(TRADE_RETCODE_DONE, none, 0, 0, true, (ulong)HistoryDealGetInteger(d, DEAL_ORDER), d, 0, 0, 0, HistoryDealGetString(d, DEAL_SYMBOL)));
     }
   return("");
  }

bool Requote(const uint rc)
  {
   return(rc == TRADE_RETCODE_REQUOTE || rc == TRADE_RETCODE_PRICE_CHANGED || rc == TRADE_RETCODE_PRICE_OFF);
  }

//| OrderSend, again on a requote within InpRequoteAttempts (and the deadline); raw facts back. |
string Send(MqlTradeRequest &req, string &keys[], string &vals[], const bool buy, const ulong identifier)
  {
   MqlTradeResult res;
   int lastError = 0;
   uint attempts = MathMax(1, InpRequoteAttempts);
   for(uint attempt = 1; ; attempt++)
     {
      MqlTick tick;
      if(req.action == TRADE_ACTION_DEAL && SymbolInfoTick(req.symbol, tick))
         req.price = buy ? tick.ask : tick.bid;
      ZeroMemory(res);
      ResetLastError();
      if(!OrderSend(req, res))
         lastError = GetLastError();
      if(Requote(res.retcode) && attempt < attempts && NowUtcMs() <= StringToInteger(JGet(keys, vals, "deadline_ms", "0")))
         continue;
      return(Facts(res.retcode, res, lastError, (int)attempt, false, res.order, res.deal, identifier, res.price, res.volume, req.symbol));
     }
   return("");
  }

string OpOpen(string &keys[], string &vals[])
  {
   string refusal = Refusal(keys, vals);
   if(refusal != "")
      return(refusal);
   string sym  = JGet(keys, vals, "symbol", "");
   string side = JGet(keys, vals, "side", "");
   if(side != "BUY" && side != "SELL")
      return(ErrorBody("invalid", "side must be BUY or SELL", ""));
   if(!SymbolSelect(sym, true))
      return(ErrorBody("invalid", "unknown symbol " + sym, IntegerToString(GetLastError())));
   ulong  magic   = (ulong)StringToInteger(JGet(keys, vals, "magic", "0"));
   string comment = JGet(keys, vals, "comment", "");
   string found = Existing(magic, comment, true, sym);
   if(found != "")
      return(found);
   MqlTradeRequest req;
   ZeroMemory(req);
   req.action       = TRADE_ACTION_DEAL;
   req.symbol       = sym;
   req.volume       = StringToDouble(JGet(keys, vals, "volume", "0"));   // on the symbol's step (the connector checks)
   req.type         = side == "BUY" ? ORDER_TYPE_BUY : ORDER_TYPE_SELL;
   req.sl           = StringToDouble(JGet(keys, vals, "sl", "0"));       // on the symbol's tick grid
   req.tp           = StringToDouble(JGet(keys, vals, "tp", "0"));
   req.magic        = magic;
   req.comment      = comment;
   req.deviation    = (ulong)StringToInteger(JGet(keys, vals, "deviation", IntegerToString(InpDeviation)));
   req.type_filling = Filling(JGet(keys, vals, "filling", "FOK"));
   req.type_time    = ORDER_TIME_GTC;
   return(Send(req, keys, vals, side == "BUY", 0));
  }

string OpClose(string &keys[], string &vals[])
  {
   string refusal = Refusal(keys, vals);
   if(refusal != "")
      return(refusal);
   ulong  ticket  = (ulong)StringToInteger(JGet(keys, vals, "ticket", "0"));
   ulong  magic   = (ulong)StringToInteger(JGet(keys, vals, "magic", "0"));
   string comment = JGet(keys, vals, "comment", "");
   string found = comment != "" ? Existing(magic, comment, false, "") : "";
   if(found != "")
      return(found);
   if(ticket == 0 || !PositionSelectByTicket(ticket))
      return(ErrorBody("not_found", "position not found", IntegerToString(GetLastError())));
   double have = PositionGetDouble(POSITION_VOLUME);
   double want = StringToDouble(JGet(keys, vals, "volume", "0"));
   bool buy = PositionGetInteger(POSITION_TYPE) == POSITION_TYPE_SELL;   // closing a SELL buys
   ulong identifier = (ulong)PositionGetInteger(POSITION_IDENTIFIER);
   MqlTradeRequest req;
   ZeroMemory(req);
   req.action       = TRADE_ACTION_DEAL;
   req.position     = ticket;                                   // POSITION_TICKET (hedging)
   req.symbol       = PositionGetString(POSITION_SYMBOL);
   req.volume       = want > 0 && want < have ? want : have;
   req.type         = buy ? ORDER_TYPE_BUY : ORDER_TYPE_SELL;
   req.magic        = magic;
   req.comment      = comment;
   req.deviation    = (ulong)StringToInteger(JGet(keys, vals, "deviation", IntegerToString(InpDeviation)));
   req.type_filling = Filling(JGet(keys, vals, "filling", "FOK"));
   return(Send(req, keys, vals, buy, identifier));
  }

string OpModify(string &keys[], string &vals[])
  {
   string refusal = Refusal(keys, vals);
   if(refusal != "")
      return(refusal);
   ulong ticket = (ulong)StringToInteger(JGet(keys, vals, "ticket", "0"));
   if(ticket == 0 || !PositionSelectByTicket(ticket))
      return(ErrorBody("not_found", "position not found", IntegerToString(GetLastError())));
   MqlTradeRequest req;
   ZeroMemory(req);
   req.action   = TRADE_ACTION_SLTP;
   req.position = ticket;
   req.symbol   = PositionGetString(POSITION_SYMBOL);
   req.magic    = (ulong)PositionGetInteger(POSITION_MAGIC);
   ulong identifier = (ulong)PositionGetInteger(POSITION_IDENTIFIER);
   // Absent keeps the current level, 0 removes it; levels arrive on the symbol's tick grid.
   req.sl = JHas(keys, "sl") ? StringToDouble(JGet(keys, vals, "sl", "0")) : PositionGetDouble(POSITION_SL);
   req.tp = JHas(keys, "tp") ? StringToDouble(JGet(keys, vals, "tp", "0")) : PositionGetDouble(POSITION_TP);
   // No local "same level" shortcut: the server answers 10025 NO_CHANGES, and Facts reports the levels it holds.
   return(Send(req, keys, vals, false, identifier));
  }

string OpHistory(string &keys[], string &vals[])
  {
   if(!IsSynced())
      return("\"ok\":true,\"synced\":false,\"deals\":[]");
   long from_ms = StringToInteger(JGet(keys, vals, "from_ms", "0"));
   ulong magic = (ulong)StringToInteger(JGet(keys, vals, "magic", "0"));
   ulong position = (ulong)StringToInteger(JGet(keys, vals, "position", "0"));
   datetime from = (datetime)(from_ms / 1000 + ServerOffsetSeconds());
   if(!HistorySelect(from, TimeCurrent() + 86400))
      return(ErrorBody("internal", "HistorySelect failed", IntegerToString(GetLastError())));
   string out = "";
   int total = HistoryDealsTotal();
   for(int i = 0; i < total; i++)
     {
      ulong t = HistoryDealGetTicket(i);
      if(t == 0)
         continue;
      if(magic != 0 && (ulong)HistoryDealGetInteger(t, DEAL_MAGIC) != magic)
         continue;
      if(position != 0 && (ulong)HistoryDealGetInteger(t, DEAL_POSITION_ID) != position)
         continue;
      string d = DealJson(t);
      if(d != "")
         out += (out == "" ? "" : ",") + d;
     }
   return("\"ok\":true,\"synced\":true,\"deals\":[" + out + "]");
  }

//| The symbol's own trading properties (the connector applies them before sending). |
string OpSymbol(string &keys[], string &vals[])
  {
   string sym = JGet(keys, vals, "symbol", "");
   bool custom;
   if(!SymbolExist(sym, custom))
      return(ErrorBody("not_found", "unknown symbol " + sym, "4301"));
   SymbolSelect(sym, true);
   ENUM_SYMBOL_TRADE_EXECUTION ex = (ENUM_SYMBOL_TRADE_EXECUTION)SymbolInfoInteger(sym, SYMBOL_TRADE_EXEMODE);
   string exec = ex == SYMBOL_TRADE_EXECUTION_REQUEST ? "request" : (ex == SYMBOL_TRADE_EXECUTION_INSTANT ? "instant" : (ex == SYMBOL_TRADE_EXECUTION_MARKET ? "market" : "exchange"));
   return("\"ok\":true,\"info\":{\"name\":" + Str(sym)
          + ",\"digits\":" + IntegerToString(SymbolInfoInteger(sym, SYMBOL_DIGITS))
          + ",\"point\":" + DoubleToString(SymbolInfoDouble(sym, SYMBOL_POINT), 12)
          + ",\"tick_size\":" + DoubleToString(SymbolInfoDouble(sym, SYMBOL_TRADE_TICK_SIZE), 12)
          + ",\"volume_min\":" + DoubleToString(SymbolInfoDouble(sym, SYMBOL_VOLUME_MIN), 8)
          + ",\"volume_max\":" + DoubleToString(SymbolInfoDouble(sym, SYMBOL_VOLUME_MAX), 8)
          + ",\"volume_step\":" + DoubleToString(SymbolInfoDouble(sym, SYMBOL_VOLUME_STEP), 8)
          + ",\"filling_mode\":" + IntegerToString(SymbolInfoInteger(sym, SYMBOL_FILLING_MODE) & 3)
          + ",\"execution\":" + Str(exec)
          + ",\"stops_level\":" + IntegerToString(SymbolInfoInteger(sym, SYMBOL_TRADE_STOPS_LEVEL))
          + ",\"freeze_level\":" + IntegerToString(SymbolInfoInteger(sym, SYMBOL_TRADE_FREEZE_LEVEL)) + "}");
  }

//+------------------------------------------------------------------+
//| Bars                                                             |
//+------------------------------------------------------------------+
//| The protocol's timeframe names ("1m".."1d") as MT5 periods.      |
bool TfPeriod(const string tf, ENUM_TIMEFRAMES &p)
  {
   if(tf == "1m")       p = PERIOD_M1;
   else if(tf == "5m")  p = PERIOD_M5;
   else if(tf == "15m") p = PERIOD_M15;
   else if(tf == "30m") p = PERIOD_M30;
   else if(tf == "1h")  p = PERIOD_H1;
   else if(tf == "2h")  p = PERIOD_H2;
   else if(tf == "4h")  p = PERIOD_H4;
   else if(tf == "1d")  p = PERIOD_D1;
   else return(false);
   return(true);
  }

//| One bar; MqlRates.time is trade-server time, the protocol is UTC ms. |
string BarJson(const MqlRates &r, const int digits)
  {
   return("{\"time\":" + IntegerToString(ServerMsToUtc((long)r.time * 1000))
          + ",\"open\":" + DoubleToString(r.open, digits)
          + ",\"high\":" + DoubleToString(r.high, digits)
          + ",\"low\":" + DoubleToString(r.low, digits)
          + ",\"close\":" + DoubleToString(r.close, digits)
          + ",\"tick_volume\":" + IntegerToString(r.tick_volume) + "}");
  }

//| The last `count` CLOSED bars, oldest first: CopyRates from position 1 skips the forming bar. |
string OpRates(string &keys[], string &vals[])
  {
   string sym = JGet(keys, vals, "symbol", "");
   string tf = JGet(keys, vals, "timeframe", "");
   int count = (int)StringToInteger(JGet(keys, vals, "count", "0"));
   ENUM_TIMEFRAMES period;
   bool custom;
   if(!SymbolExist(sym, custom))
      return(ErrorBody("not_found", "unknown symbol " + sym, "4301"));
   if(!TfPeriod(tf, period) || count < 1 || count > MAX_RATES)
      return(ErrorBody("invalid", "bad timeframe or count", ""));
   SymbolSelect(sym, true);
   MqlRates rates[];
   ArraySetAsSeries(rates, false);
   int n = CopyRates(sym, period, 1, count, rates);
   if(n <= 0)   // history still loading (4401) or not synchronized: the object asks again next AUTH_OK
      return(ErrorBody("internal", "CopyRates returned no bars", IntegerToString(GetLastError())));
   int digits = (int)SymbolInfoInteger(sym, SYMBOL_DIGITS);
   string out = "";
   for(int i = 0; i < n; i++)
      out += (i == 0 ? "" : ",") + BarJson(rates[i], digits);
   return("\"ok\":true,\"bars\":[" + out + "]");
  }

string OpSubscribeBars(string &keys[], string &vals[])
  {
   string sym = JGet(keys, vals, "symbol", "");
   string tf = JGet(keys, vals, "timeframe", "");
   ENUM_TIMEFRAMES period;
   bool custom;
   if(!SymbolExist(sym, custom))
      return(ErrorBody("not_found", "unknown symbol " + sym, "4301"));
   if(!TfPeriod(tf, period))
      return(ErrorBody("invalid", "bad timeframe " + tf, ""));
   int n = ArraySize(g_subSym);
   for(int i = 0; i < n; i++)
      if(g_subSym[i] == sym && g_subTf[i] == tf)
         return("\"ok\":true");
   if(n >= MAX_BAR_SUBS)
      return(ErrorBody("invalid", "too many bar subscriptions", ""));
   SymbolSelect(sym, true);
   ArrayResize(g_subSym, n + 1);
   ArrayResize(g_subTf, n + 1);
   ArrayResize(g_subPeriod, n + 1);
   ArrayResize(g_subForming, n + 1);
   g_subSym[n] = sym;
   g_subTf[n] = tf;
   g_subPeriod[n] = period;
   g_subForming[n] = iTime(sym, period, 0);   // 0 while history loads: the first check only records
   return("\"ok\":true");
  }

//| notice: show the connector's message to the person at the terminal. Comment() writes it in the |
//| chart's top-left corner until replaced ("" clears it); Alert() opens the terminal's alert     |
//| window once per new text (MQL5 Reference, Common Functions: mql5.com/en/docs/common/comment, |
//| mql5.com/en/docs/common/alert; Comment() cuts text at 2045 characters, ours is <= 500).       |
string OpNotice(string &keys[], string &vals[])
  {
   string text = JGet(keys, vals, "text", "");
   if(text == g_notice)
      return("\"ok\":true");
   g_notice = text;
   Comment(text == "" ? "" : "Edgetrader: " + text);
   if(text != "")
      Alert("Edgetrader: ", text);
   return("\"ok\":true");
  }

//+------------------------------------------------------------------+
//| On the timer: when a subscribed pair's forming bar changed, push the bars that closed since. |
void CheckBars()
  {
   int n = ArraySize(g_subSym);
   for(int i = 0; i < n; i++)
     {
      datetime forming = iTime(g_subSym[i], g_subPeriod[i], 0);
      if(forming == 0 || forming <= g_subForming[i])
         continue;
      datetime last = g_subForming[i];
      g_subForming[i] = forming;
      if(last == 0)
         continue;
      MqlRates rates[];
      ArraySetAsSeries(rates, false);
      // Bars that opened in [last, forming): closed now. At most 10 (after a long freeze the
      // object's RATES_REQUEST on reconnect fills the rest).
      int got = CopyRates(g_subSym[i], g_subPeriod[i], last, forming - 1, rates);
      int digits = (int)SymbolInfoInteger(g_subSym[i], SYMBOL_DIGITS);
      for(int k = MathMax(0, got - 10); k < got; k++)
         SendLine("{\"event\":\"bar_closed\",\"symbol\":" + Str(g_subSym[i]) + ",\"timeframe\":" + Str(g_subTf[i]) + ",\"bar\":" + BarJson(rates[k], digits) + "}");
     }
  }

//+------------------------------------------------------------------+
//| Snapshots                                                        |
//+------------------------------------------------------------------+
//| Volumes: 8 decimals (a 0.001 step must not print as 0.00).      |
string PositionsJson()
  {
   string out = "";
   int total = PositionsTotal();
   for(int i = 0; i < total; i++)
     {
      ulong t = PositionGetTicket(i);   // also selects it
      if(t == 0)
         continue;
      string sym = PositionGetString(POSITION_SYMBOL);
      int digits = (int)SymbolInfoInteger(sym, SYMBOL_DIGITS);
      string side = PositionGetInteger(POSITION_TYPE) == POSITION_TYPE_BUY ? "BUY" : "SELL";
      out += (out == "" ? "" : ",")
             + "{\"ticket\":" + Str(U64(t))
             + ",\"identifier\":" + Str(U64((ulong)PositionGetInteger(POSITION_IDENTIFIER)))
             + ",\"symbol\":" + Str(sym)
             + ",\"side\":" + Str(side)
             + ",\"volume\":" + DoubleToString(PositionGetDouble(POSITION_VOLUME), 8)
             + ",\"open_price\":" + DoubleToString(PositionGetDouble(POSITION_PRICE_OPEN), digits)
             + ",\"current_price\":" + DoubleToString(PositionGetDouble(POSITION_PRICE_CURRENT), digits)
             + ",\"sl\":" + DoubleToString(PositionGetDouble(POSITION_SL), digits)
             + ",\"tp\":" + DoubleToString(PositionGetDouble(POSITION_TP), digits)
             + ",\"profit\":" + DoubleToString(PositionGetDouble(POSITION_PROFIT), 2)
             + ",\"swap\":" + DoubleToString(PositionGetDouble(POSITION_SWAP), 2)
             + ",\"time_msc\":" + IntegerToString(ServerMsToUtc(PositionGetInteger(POSITION_TIME_MSC)))
             + ",\"magic\":" + IntegerToString(PositionGetInteger(POSITION_MAGIC))
             + ",\"comment\":" + Str(PositionGetString(POSITION_COMMENT)) + "}";
     }
   return("[" + out + "]");
  }

//| Active market orders (a PLACED order waits here until filled).  |
string OrdersJson()
  {
   string out = "";
   int total = OrdersTotal();
   for(int i = 0; i < total; i++)
     {
      ulong t = OrderGetTicket(i);   // also selects it
      if(t == 0)
         continue;
      long type = OrderGetInteger(ORDER_TYPE);
      if(type != ORDER_TYPE_BUY && type != ORDER_TYPE_SELL)
         continue;
      long st = OrderGetInteger(ORDER_STATE);
      string state = st == ORDER_STATE_STARTED ? "started" : (st == ORDER_STATE_PLACED ? "placed" : (st == ORDER_STATE_PARTIAL ? "partial" : "other"));
      out += (out == "" ? "" : ",")
             + "{\"ticket\":" + Str(U64(t))
             + ",\"symbol\":" + Str(OrderGetString(ORDER_SYMBOL))
             + ",\"side\":" + Str(type == ORDER_TYPE_BUY ? "BUY" : "SELL")
             + ",\"state\":" + Str(state)
             + ",\"volume_initial\":" + DoubleToString(OrderGetDouble(ORDER_VOLUME_INITIAL), 8)
             + ",\"volume_current\":" + DoubleToString(OrderGetDouble(ORDER_VOLUME_CURRENT), 8)
             + ",\"position\":" + Str(U64((ulong)OrderGetInteger(ORDER_POSITION_ID)))
             + ",\"time_msc\":" + IntegerToString(ServerMsToUtc(OrderGetInteger(ORDER_TIME_SETUP_MSC)))
             + ",\"magic\":" + IntegerToString(OrderGetInteger(ORDER_MAGIC))
             + ",\"comment\":" + Str(OrderGetString(ORDER_COMMENT)) + "}";
     }
   return("[" + out + "]");
  }

//| What a positions event is about: not P&L, which moves each tick.|
string PositionsSignature()
  {
   string sig = "";
   int total = PositionsTotal();
   for(int i = 0; i < total; i++)
     {
      ulong t = PositionGetTicket(i);
      if(t == 0)
         continue;
      sig += U64(t) + ":" + DoubleToString(PositionGetDouble(POSITION_VOLUME), 8) + ":" + DoubleToString(PositionGetDouble(POSITION_SL), 8)
             + ":" + DoubleToString(PositionGetDouble(POSITION_TP), 8) + ";";
     }
   return(sig);
  }

//| A buy/sell deal (balance, commission ... deals are skipped).    |
string DealJson(const ulong t)
  {
   long type = HistoryDealGetInteger(t, DEAL_TYPE);
   if(type != DEAL_TYPE_BUY && type != DEAL_TYPE_SELL)
      return("");
   long e = HistoryDealGetInteger(t, DEAL_ENTRY);
   string entry = e == DEAL_ENTRY_IN ? "in" : (e == DEAL_ENTRY_OUT ? "out" : (e == DEAL_ENTRY_INOUT ? "inout" : "out_by"));
   string sym = HistoryDealGetString(t, DEAL_SYMBOL);
   int digits = (int)SymbolInfoInteger(sym, SYMBOL_DIGITS);
   return("{\"ticket\":" + Str(U64(t))
          + ",\"order\":" + Str(U64((ulong)HistoryDealGetInteger(t, DEAL_ORDER)))
          + ",\"position\":" + Str(U64((ulong)HistoryDealGetInteger(t, DEAL_POSITION_ID)))
          + ",\"symbol\":" + Str(sym)
          + ",\"side\":" + Str(type == DEAL_TYPE_BUY ? "BUY" : "SELL")
          + ",\"entry\":" + Str(entry)
          + ",\"volume\":" + DoubleToString(HistoryDealGetDouble(t, DEAL_VOLUME), 8)
          + ",\"price\":" + DoubleToString(HistoryDealGetDouble(t, DEAL_PRICE), digits)
          + ",\"profit\":" + DoubleToString(HistoryDealGetDouble(t, DEAL_PROFIT), 2)
          + ",\"time_msc\":" + IntegerToString(ServerMsToUtc(HistoryDealGetInteger(t, DEAL_TIME_MSC)))
          + ",\"magic\":" + IntegerToString(HistoryDealGetInteger(t, DEAL_MAGIC))
          + ",\"comment\":" + Str(HistoryDealGetString(t, DEAL_COMMENT)) + "}");
  }

string AccountJson()
  {
   return("{\"login\":" + Str(IntegerToString(AccountInfoInteger(ACCOUNT_LOGIN)))
          + ",\"server\":" + Str(AccountInfoString(ACCOUNT_SERVER))
          + ",\"company\":" + Str(AccountInfoString(ACCOUNT_COMPANY))
          + ",\"currency\":" + Str(AccountInfoString(ACCOUNT_CURRENCY))
          + ",\"balance\":" + DoubleToString(AccountInfoDouble(ACCOUNT_BALANCE), 2)
          + ",\"equity\":" + DoubleToString(AccountInfoDouble(ACCOUNT_EQUITY), 2)
          + ",\"margin\":" + DoubleToString(AccountInfoDouble(ACCOUNT_MARGIN), 2)
          + ",\"free_margin\":" + DoubleToString(AccountInfoDouble(ACCOUNT_MARGIN_FREE), 2)
          + ",\"leverage\":" + IntegerToString(AccountInfoInteger(ACCOUNT_LEVERAGE)) + "}");
  }

//+------------------------------------------------------------------+
//| Helpers                                                          |
//+------------------------------------------------------------------+
//| Trade server time minus UTC, rounded to 15 minutes (server zones are whole quarter hours). |
long ServerOffsetSeconds()
  {
   long raw = (long)(TimeTradeServer() - TimeGMT());
   return((long)MathRound(raw / 900.0) * 900);
  }

//| *_TIME_MSC values are trade-server time; the protocol is UTC.    |
long ServerMsToUtc(const long server_ms)
  {
   return(server_ms - ServerOffsetSeconds() * 1000);
  }

long NowUtcMs()
  {
   return((long)TimeGMT() * 1000);
  }

string U64(const ulong v)
  {
   return(StringFormat("%I64u", v));
  }

string Bool(const bool b)
  {
   return(b ? "true" : "false");
  }

//| A JSON string literal.                                           |
string Str(const string s)
  {
   string out = "\"";
   int n = StringLen(s);
   for(int i = 0; i < n; i++)
     {
      ushort c = StringGetCharacter(s, i);
      if(c == '"')
         out += "\\\"";
      else if(c == '\\')
         out += "\\\\";
      else if(c == '\n')
         out += "\\n";
      else if(c == '\r')
         out += "\\r";
      else if(c == '\t')
         out += "\\t";
      else if(c < 0x20)
         out += StringFormat("\\u%04x", c);
      else
         out += ShortToString(c);
     }
   return(out + "\"");
  }

string JGet(string &keys[], string &vals[], const string key, const string def)
  {
   for(int i = 0; i < ArraySize(keys); i++)
      if(keys[i] == key)
         return(vals[i]);
   return(def);
  }

bool JHas(string &keys[], const string key)
  {
   for(int i = 0; i < ArraySize(keys); i++)
      if(keys[i] == key)
         return(true);
   return(false);
  }

bool IsWs(const ushort c)
  {
   return(c == ' ' || c == '\t' || c == '\r' || c == '\n');
  }

//| Reads a JSON string starting at s[i] == '"'; i ends after the closing quote. |
bool ReadString(const string s, int &i, string &out)
  {
   int n = StringLen(s);
   out = "";
   i++;
   while(i < n)
     {
      ushort c = StringGetCharacter(s, i);
      if(c == '"')
        {
         i++;
         return(true);
        }
      if(c == '\\')
        {
         if(i + 1 >= n)
            return(false);
         ushort e = StringGetCharacter(s, i + 1);
         if(e == 'n') out += "\n";
         else if(e == 't') out += "\t";
         else if(e == 'r') out += "\r";
         else if(e == 'b') out += ShortToString(8);
         else if(e == 'f') out += ShortToString(12);
         else if(e == 'u')
           {
            if(i + 5 >= n)
               return(false);
            out += ShortToString((ushort)StringToInteger("0x" + StringSubstr(s, i + 2, 4)));
            i += 4;
           }
         else
            out += ShortToString(e);   // \" \\ \/
         i += 2;
         continue;
        }
      out += ShortToString(c);
      i++;
     }
   return(false);
  }

//| Parses {"k":v,...} whose values are strings, numbers, true, false or null.
//| Requests are flat by protocol; nested values make it fail.       |
bool ParseFlat(const string s, string &keys[], string &vals[])
  {
   ArrayResize(keys, 0);
   ArrayResize(vals, 0);
   int n = StringLen(s);
   int i = 0;
   while(i < n && IsWs(StringGetCharacter(s, i))) i++;
   if(i >= n || StringGetCharacter(s, i) != '{')
      return(false);
   i++;
   for(;;)
     {
      while(i < n && IsWs(StringGetCharacter(s, i))) i++;
      if(i >= n)
         return(false);
      ushort c = StringGetCharacter(s, i);
      if(c == '}')
         return(true);
      if(c != '"')
         return(false);
      string key, val;
      if(!ReadString(s, i, key))
         return(false);
      while(i < n && IsWs(StringGetCharacter(s, i))) i++;
      if(i >= n || StringGetCharacter(s, i) != ':')
         return(false);
      i++;
      while(i < n && IsWs(StringGetCharacter(s, i))) i++;
      if(i >= n)
         return(false);
      c = StringGetCharacter(s, i);
      if(c == '"')
        {
         if(!ReadString(s, i, val))
            return(false);
        }
      else
        {
         if(c == '{' || c == '[')
            return(false);
         int start = i;
         while(i < n)
           {
            ushort d = StringGetCharacter(s, i);
            if(d == ',' || d == '}' || IsWs(d))
               break;
            i++;
           }
         val = StringSubstr(s, start, i - start);
         if(val == "null")
            val = "";
        }
      int k = ArraySize(keys);
      ArrayResize(keys, k + 1);
      ArrayResize(vals, k + 1);
      keys[k] = key;
      vals[k] = val;
      while(i < n && IsWs(StringGetCharacter(s, i))) i++;
      if(i >= n)
         return(false);
      c = StringGetCharacter(s, i);
      if(c == ',')
        {
         i++;
         continue;
        }
      if(c == '}')
         return(true);
      return(false);
     }
   return(false);
  }
//+------------------------------------------------------------------+
