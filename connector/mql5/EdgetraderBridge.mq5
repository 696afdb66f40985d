//+------------------------------------------------------------------+
//|                                            EdgetraderBridge.mq5  |
//| Bridges this MetaTrader 5 terminal to the edgetrader connector:  |
//| a TCP client of the connector on 127.0.0.1 speaking JSON lines   |
//| (docs/CONNECTOR_PROTOCOL.md, part 2). MQL5 sockets only, no DLL. |
//+------------------------------------------------------------------+
#property copyright   "edgetrader"
#property version     "1.10"
#property description "Connects to the edgetrader connector on 127.0.0.1 and executes its orders."
#property description "Add 127.0.0.1 to Tools > Options > Expert Advisors > 'Allow WebRequest for listed URL' and enable Algo Trading."

#include <Trade\Trade.mqh>

input string InpHost      = "127.0.0.1"; // connector host (keep it local)
input uint   InpPort      = 5555;        // connector MT5_BRIDGE_PORT
input uint   InpTimerMs   = 50;          // socket poll interval
input uint   InpDeviation = 20;          // default max slippage, points

#define EA_VERSION      "1.1.0"
#define EA_PROTOCOL     1
#define MAX_LINE_BYTES  (4*1024*1024)
#define MAX_RATES       5000
#define MAX_BAR_SUBS    64

CTrade  g_trade;
int     g_sock = INVALID_HANDLE;
uchar   g_rx[];                 // received bytes not yet ending in '\n'
ulong   g_lastConnectTry = 0;
ulong   g_lastPositionsPoll = 0;
ulong   g_lastAccountPush = 0;
bool    g_positionsDirty = false;
string  g_positionsSig = "";
int     g_lastConnectError = 0;
// subscribe_bars pairs and the open time (server time) of the bar forming when last checked.
string          g_subSym[];
string          g_subTf[];
ENUM_TIMEFRAMES g_subPeriod[];
datetime        g_subForming[];

//+------------------------------------------------------------------+
int OnInit()
  {
   g_trade.SetAsyncMode(false);          // OrderSend waits for the trade server's answer
   g_trade.SetDeviationInPoints(InpDeviation);
   if(!EventSetMillisecondTimer(InpTimerMs))
     {
      Print("EdgetraderBridge: cannot start the timer, error ", GetLastError());
      return(INIT_FAILED);
     }
   Print("EdgetraderBridge ", EA_VERSION, ": connecting to ", InpHost, ":", InpPort);
   return(INIT_SUCCEEDED);
  }

void OnDeinit(const int reason)
  {
   EventKillTimer();
   Disconnect("EA removed");
  }

//+------------------------------------------------------------------+
//| Everything socket-related happens here: MQL5 has no socket event.|
//+------------------------------------------------------------------+
void OnTimer()
  {
   if(g_sock == INVALID_HANDLE && !TryConnect())
      return;
   if(!ReadAndDispatch())
      return;
   ulong now = GetTickCount64();
   if(g_positionsDirty || now - g_lastPositionsPoll >= 1000)
     {
      // Polling as well as OnTradeTransaction: SL/TP hits and manual trades are caught either way.
      g_lastPositionsPoll = now;
      g_positionsDirty = false;
      string sig = PositionsSignature();
      if(sig != g_positionsSig)
        {
         g_positionsSig = sig;
         SendLine("{\"event\":\"positions\",\"positions\":" + PositionsJson() + "}");
        }
     }
   CheckBars();
   if(now - g_lastAccountPush >= 5000)
     {
      g_lastAccountPush = now;
      SendLine("{\"event\":\"account\",\"account\":" + AccountJson() + ",\"terminal_connected\":" + Bool(TerminalInfoInteger(TERMINAL_CONNECTED) != 0) + "}");
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
//| Link                                                             |
//+------------------------------------------------------------------+
bool TryConnect()
  {
   ulong now = GetTickCount64();
   if(now - g_lastConnectTry < 1000)
      return(false);
   g_lastConnectTry = now;
   int s = SocketCreate();
   if(s == INVALID_HANDLE)
     {
      Print("EdgetraderBridge: SocketCreate failed, error ", GetLastError());
      return(false);
     }
   if(!SocketConnect(s, InpHost, InpPort, 1000))
     {
      int err = GetLastError();
      if(err != g_lastConnectError) // log each new reason once, not every second
        {
         g_lastConnectError = err;
         if(err == 4014) // ERR_FUNCTION_NOT_ALLOWED: the address is not in the allowed list
            Print("EdgetraderBridge: ", InpHost, " is not allowed; add it under Tools > Options > Expert Advisors");
         else
            Print("EdgetraderBridge: cannot reach the connector at ", InpHost, ":", InpPort, " (error ", err, "); is it running?");
        }
      SocketClose(s);
      return(false);
     }
   g_sock = s;
   g_lastConnectError = 0;
   ArrayResize(g_rx, 0);
   g_positionsSig = PositionsSignature();
   g_lastAccountPush = now;
   Print("EdgetraderBridge: connected to the connector");
   string t = "{\"name\":" + Str(TerminalInfoString(TERMINAL_NAME))
              + ",\"company\":" + Str(AccountInfoString(ACCOUNT_COMPANY))
              + ",\"server\":" + Str(AccountInfoString(ACCOUNT_SERVER))
              + ",\"login\":" + Str(IntegerToString(AccountInfoInteger(ACCOUNT_LOGIN)))
              + ",\"connected\":" + Bool(TerminalInfoInteger(TERMINAL_CONNECTED) != 0)
              + ",\"trade_allowed\":" + Bool(TerminalInfoInteger(TERMINAL_TRADE_ALLOWED) != 0 && MQLInfoInteger(MQL_TRADE_ALLOWED) != 0) + "}";
   if(!SendLine("{\"event\":\"hello\",\"protocol\":" + IntegerToString(EA_PROTOCOL) + ",\"ea_version\":" + Str(EA_VERSION) + ",\"terminal\":" + t + "}"))
      return(false);
   SendLine("{\"event\":\"positions\",\"positions\":" + PositionsJson() + "}");
   SendLine("{\"event\":\"account\",\"account\":" + AccountJson() + ",\"terminal_connected\":" + Bool(TerminalInfoInteger(TERMINAL_CONNECTED) != 0) + "}");
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
      int n = SocketRead(g_sock, buf, avail, 100);
      if(n < 0)
        {
         Disconnect("read failed, error " + IntegerToString(GetLastError()));
         return(false);
        }
      int old = ArraySize(g_rx);
      ArrayResize(g_rx, old + n);
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
      Print("EdgetraderBridge: ignoring a line that is not a flat JSON object");
      return;
     }
   string id = JGet(keys, vals, "id", "");
   string op = JGet(keys, vals, "op", "");
   if(id == "")
      return;
   string body;
   if(op == "ping")            body = "\"ok\":true,\"time_msc\":" + IntegerToString(NowUtcMs());
   else if(op == "account")   body = "\"ok\":true,\"account\":" + AccountJson() + ",\"terminal_connected\":" + Bool(TerminalInfoInteger(TERMINAL_CONNECTED) != 0);
   else if(op == "positions") body = "\"ok\":true,\"positions\":" + PositionsJson();
   else if(op == "history")   body = OpHistory(keys, vals);
   else if(op == "open")      body = OpOpen(keys, vals);
   else if(op == "close")     body = OpClose(keys, vals);
   else if(op == "modify")    body = OpModify(keys, vals);
   else if(op == "rates")     body = OpRates(keys, vals);
   else if(op == "subscribe_bars") body = OpSubscribeBars(keys, vals);
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

//| The trade server's answer as an error body.                      |
string TradeError()
  {
   uint rc = g_trade.ResultRetcode();
   string msg = g_trade.ResultRetcodeDescription();
   if(rc == 0)
      return(ErrorBody("rejected", "order not sent, error " + IntegerToString(GetLastError()), IntegerToString(GetLastError())));
   if(rc == TRADE_RETCODE_INVALID_VOLUME || rc == TRADE_RETCODE_INVALID_STOPS || rc == TRADE_RETCODE_INVALID_PRICE || rc == TRADE_RETCODE_INVALID)
      return(ErrorBody("invalid", msg, IntegerToString(rc)));
   return(ErrorBody("rejected", msg, IntegerToString(rc)));
  }

bool TradeDone()
  {
   uint rc = g_trade.ResultRetcode();
   return(rc == TRADE_RETCODE_DONE || rc == TRADE_RETCODE_DONE_PARTIAL || rc == TRADE_RETCODE_PLACED);
  }

string OpOpen(string &keys[], string &vals[])
  {
   string sym     = JGet(keys, vals, "symbol", "");
   string side    = JGet(keys, vals, "side", "");
   string comment = JGet(keys, vals, "comment", "");
   ulong  magic   = (ulong)StringToInteger(JGet(keys, vals, "magic", "0"));
   if(!SymbolSelect(sym, true))
      return(ErrorBody("invalid", "unknown symbol " + sym, IntegerToString(GetLastError())));
   double vol = NormalizeVolume(sym, StringToDouble(JGet(keys, vals, "volume", "0")));
   if(vol <= 0.0)
      return(ErrorBody("invalid", "volume outside the symbol's min/max/step", ""));
   int digits = (int)SymbolInfoInteger(sym, SYMBOL_DIGITS);
   double sl = StringToDouble(JGet(keys, vals, "sl", "0"));
   double tp = StringToDouble(JGet(keys, vals, "tp", "0"));
   sl = sl > 0 ? NormalizeDouble(sl, digits) : 0.0;
   tp = tp > 0 ? NormalizeDouble(tp, digits) : 0.0;
   g_trade.SetExpertMagicNumber(magic);
   g_trade.SetDeviationInPoints((ulong)StringToInteger(JGet(keys, vals, "deviation", IntegerToString(InpDeviation))));
   g_trade.SetTypeFillingBySymbol(sym);
   if(side != "BUY" && side != "SELL")
      return(ErrorBody("invalid", "side must be BUY or SELL", ""));
   bool sent = side == "BUY" ? g_trade.Buy(vol, sym, 0.0, sl, tp, comment)
                             : g_trade.Sell(vol, sym, 0.0, sl, tp, comment);
   if(!sent || !TradeDone())
      return(TradeError());
   ulong deal  = g_trade.ResultDeal();
   ulong order = g_trade.ResultOrder();
   ulong position = order;                 // hedging accounts: position id = opening order ticket
   double price = g_trade.ResultPrice();
   double filled = g_trade.ResultVolume();
   long tms = NowUtcMs();
   if(deal > 0 && HistoryDealSelect(deal))
     {
      position = (ulong)HistoryDealGetInteger(deal, DEAL_POSITION_ID);
      price    = HistoryDealGetDouble(deal, DEAL_PRICE);
      filled   = HistoryDealGetDouble(deal, DEAL_VOLUME);
      tms      = ServerMsToUtc(HistoryDealGetInteger(deal, DEAL_TIME_MSC));
     }
   return("\"ok\":true,\"ticket\":" + Str(U64(position)) + ",\"order\":" + Str(U64(order)) + ",\"deal\":" + Str(U64(deal))
          + ",\"price\":" + DoubleToString(price, digits) + ",\"volume\":" + DoubleToString(filled, 2) + ",\"time_msc\":" + IntegerToString(tms));
  }

string OpClose(string &keys[], string &vals[])
  {
   ulong ticket = (ulong)StringToInteger(JGet(keys, vals, "ticket", "0"));
   if(ticket == 0 || !PositionSelectByTicket(ticket))
      return(ErrorBody("not_found", "position not found", IntegerToString(GetLastError())));
   string sym = PositionGetString(POSITION_SYMBOL);
   double have = PositionGetDouble(POSITION_VOLUME);
   double want = StringToDouble(JGet(keys, vals, "volume", "0"));
   ulong dev = (ulong)StringToInteger(JGet(keys, vals, "deviation", IntegerToString(InpDeviation)));
   g_trade.SetExpertMagicNumber((ulong)StringToInteger(JGet(keys, vals, "magic", "0")));
   g_trade.SetTypeFillingBySymbol(sym);
   bool sent;
   if(want > 0 && want < have)
     {
      double part = NormalizeVolume(sym, want);
      if(part <= 0.0)
         return(ErrorBody("invalid", "partial volume outside the symbol's min/step", ""));
      sent = g_trade.PositionClosePartial(ticket, part, dev);
     }
   else
      sent = g_trade.PositionClose(ticket, dev);
   if(!sent || !TradeDone())
      return(TradeError());
   ulong deal = g_trade.ResultDeal();
   double price = g_trade.ResultPrice();
   double vol = g_trade.ResultVolume();
   long tms = NowUtcMs();
   if(deal > 0 && HistoryDealSelect(deal))
     {
      price = HistoryDealGetDouble(deal, DEAL_PRICE);
      vol   = HistoryDealGetDouble(deal, DEAL_VOLUME);
      tms   = ServerMsToUtc(HistoryDealGetInteger(deal, DEAL_TIME_MSC));
     }
   int digits = (int)SymbolInfoInteger(sym, SYMBOL_DIGITS);
   return("\"ok\":true,\"deal\":" + Str(U64(deal)) + ",\"price\":" + DoubleToString(price, digits)
          + ",\"volume\":" + DoubleToString(vol, 2) + ",\"time_msc\":" + IntegerToString(tms));
  }

string OpModify(string &keys[], string &vals[])
  {
   ulong ticket = (ulong)StringToInteger(JGet(keys, vals, "ticket", "0"));
   if(ticket == 0 || !PositionSelectByTicket(ticket))
      return(ErrorBody("not_found", "position not found", IntegerToString(GetLastError())));
   string sym = PositionGetString(POSITION_SYMBOL);
   int digits = (int)SymbolInfoInteger(sym, SYMBOL_DIGITS);
   double sl = PositionGetDouble(POSITION_SL);   // absent keeps the current level, 0 removes it
   double tp = PositionGetDouble(POSITION_TP);
   if(JHas(keys, "sl"))
      sl = NormalizeDouble(StringToDouble(JGet(keys, vals, "sl", "0")), digits);
   if(JHas(keys, "tp"))
      tp = NormalizeDouble(StringToDouble(JGet(keys, vals, "tp", "0")), digits);
   bool same = MathAbs(sl - PositionGetDouble(POSITION_SL)) < _Point / 10.0 && MathAbs(tp - PositionGetDouble(POSITION_TP)) < _Point / 10.0;
   if(!same)
     {
      bool sent = g_trade.PositionModify(ticket, sl, tp);
      uint rc = g_trade.ResultRetcode();
      if(!sent || (rc != TRADE_RETCODE_DONE && rc != TRADE_RETCODE_NO_CHANGES))
         return(TradeError());
     }
   return("\"ok\":true,\"sl\":" + DoubleToString(sl, digits) + ",\"tp\":" + DoubleToString(tp, digits));
  }

string OpHistory(string &keys[], string &vals[])
  {
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
   return("\"ok\":true,\"deals\":[" + out + "]");
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
             + ",\"symbol\":" + Str(sym)
             + ",\"side\":" + Str(side)
             + ",\"volume\":" + DoubleToString(PositionGetDouble(POSITION_VOLUME), 2)
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
      sig += U64(t) + ":" + DoubleToString(PositionGetDouble(POSITION_VOLUME), 2) + ":" + DoubleToString(PositionGetDouble(POSITION_SL), 8)
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
          + ",\"volume\":" + DoubleToString(HistoryDealGetDouble(t, DEAL_VOLUME), 2)
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
//| Rounds down to the volume step; 0 if outside min/max.           |
double NormalizeVolume(const string sym, const double v)
  {
   double step = SymbolInfoDouble(sym, SYMBOL_VOLUME_STEP);
   double vmin = SymbolInfoDouble(sym, SYMBOL_VOLUME_MIN);
   double vmax = SymbolInfoDouble(sym, SYMBOL_VOLUME_MAX);
   if(step <= 0)
      return(0.0);
   double r = MathFloor(v / step + 1e-9) * step;
   if(r < vmin - 1e-12 || r > vmax + 1e-12)
      return(0.0);
   return(NormalizeDouble(r, 8));
  }

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
