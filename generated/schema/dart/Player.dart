// 
// THIS FILE HAS BEEN GENERATED AUTOMATICALLY
// DO NOT CHANGE IT MANUALLY UNLESS YOU KNOW WHAT YOU'RE DOING
// 
// GENERATED USING @colyseus/schema 5.0.34
// 
// ignore_for_file: non_constant_identifier_names, constant_identifier_names

import 'package:colyseus/colyseus.dart';

final class Player extends SchemaRef {
  Player(super.handle);

  String get sessionId => view.getString('sessionId') ?? '';
  String get userId => view.getString('userId') ?? '';
  double get seatIndex => view['seatIndex'];
  bool get online => view.getBool('online');
  double get x => view['x'];
  double get y => view['y'];
  bool get attacking => view.getBool('attacking');
}
