// 
// THIS FILE HAS BEEN GENERATED AUTOMATICALLY
// DO NOT CHANGE IT MANUALLY UNLESS YOU KNOW WHAT YOU'RE DOING
// 
// GENERATED USING @colyseus/schema 5.0.34
// 
#ifndef __SCHEMA_CODEGEN_MYROOMSTATE_H__
#define __SCHEMA_CODEGEN_MYROOMSTATE_H__ 1

#include "schema.h"
#include <typeinfo>
#include <typeindex>

using namespace colyseus::schema;
#include "Player.hpp"

namespace FrameSync {
class MyRoomState : public Schema {
public:
	 varint_t frame = 0;
	 MapSchema<Player*> *players = new MapSchema<Player*>();

	MyRoomState() {
		this->_indexes = {{0, "frame"}, {1, "players"}};
		this->_types = {{0, "number"}, {1, "map"}};
		this->_childPrimitiveTypes = {};
		this->_childSchemaTypes = {{1, typeid(Player)}};
	}

	virtual ~MyRoomState() {
		delete this->players;
	}

protected:
	inline varint_t getNumber(const string &field)
	{
		if (field == "frame")
		{
			return this->frame;

		}
		return Schema::getNumber(field);
	}

	inline void setNumber(const string &field, varint_t value)
	{
		if (field == "frame")
		{
			this->frame = value;
			return;

		}
		return Schema::setNumber(field, value);
	}
	inline MapSchema<char*> * getMap(const string &field)
	{
		if (field == "players")
		{
			return (MapSchema<char*> *)this->players;

		}
		return Schema::getMap(field);
	}

	inline void setMap(const string &field, MapSchema<char*> * value)
	{
		if (field == "players")
		{
			this->players = (MapSchema<Player*> *)value;
			return;

		}
		return Schema::setMap(field, value);
	}

	inline Schema* createInstance(std::type_index type) {
		if (type == typeid(Player))
		{
			return new Player();

		}
		return Schema::createInstance(type);
	}
};
}

#endif
